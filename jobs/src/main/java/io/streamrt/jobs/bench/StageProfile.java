package io.streamrt.jobs.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import one.profiler.AsyncProfiler;
import one.profiler.Counter;

/**
 * Where the pipeline's CPU goes, stage by stage: a backlog run of the real job (Kafka in, enrich, Kafka out) with
 * async-profiler sampling the CPU time of every thread of the JVM, Java and native frames alike (ONNX Runtime's
 * own threads and the tokenizer's Rust code included, which JFR's samples cannot see). Each sample is charged to
 * the stage of its innermost recognised frame; divided by the records the run brought back, that gives CPU
 * microseconds per record by stage. The in-process broker and the benchmark's own producer and reader also run in
 * this JVM: their samples are counted apart and left out of the pipeline's total, since in a deployment they run
 * elsewhere; so are the JIT compilers', still busy after two warm-up runs, which a long-running TaskManager is not.
 *
 * <pre>{@code
 * StageProfile.Result r = StageProfile.run(pipeline, BenchScenario.ADAPTIVE);
 * System.out.println(r.markdown());
 * }</pre>
 */
final class StageProfile {

    /** What a CPU sample is charged to, in the order of the record's path. */
    enum Stage {
        SOURCE("Kafka source (fetch, records out of the consumer)", true),
        DECODE("decode + validate (JSON to text record)", true),
        TOKENIZE("tokenize", true),
        HAND_OFF("hand-off (async operator, batch scheduler, padding)", true),
        ENGINE("engine (ONNX Runtime, its threads included)", true),
        POST_PROCESSING("post-processing (pooling, heads, result routing)", true),
        ENCODE("encode (output and dead-letter JSON)", true),
        SINK("Kafka sink (producer, its I/O thread)", true),
        EXCHANGE("record exchange between operators (Flink serializers, network buffers)", true),
        FLINK("Flink runtime (mailbox, timers, checkpoints, metrics, RPC)", true),
        GC("JVM: garbage collection and other VM threads", true),
        JIT("JVM: JIT compilers, still warming up (a long-running TaskManager has finished)", false),
        OTHER("other (logging, unrecognised)", true),
        BROKER("in-process Kafka broker, elsewhere in a deployment", false),
        HARNESS("benchmark's producer and reader", false);

        final String description;
        /** False for what runs here only because the benchmark is one JVM, or only while it is young. */
        final boolean pipeline;

        Stage(String description, boolean pipeline) {
            this.description = description;
            this.pipeline = pipeline;
        }

        String id() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /**
     * Frames that mark a stage, tried from the innermost frame outwards; the first frame that matches any rule
     * decides. Order within the list matters only for a frame matching two rules.
     */
    private static final List<Map.Entry<Stage, List<String>>> FRAME_RULES = List.of(
            Map.entry(Stage.ENGINE, List.of("io.streamrt.engine.internal.", "ai.onnxruntime.", "onnxruntime",
                    "Mlas")),
            Map.entry(Stage.TOKENIZE, List.of("io.streamrt.serde.TextTokenizer", "ai.djl.huggingface.",
                    "tokenizers::", "libtokenizers")),
            Map.entry(Stage.DECODE, List.of("io.streamrt.serde.RecordDecoder", "io.streamrt.jobs.enrich.DecodeFunction",
                    "io.streamrt.jobs.enrich.KafkaRecordDeserializer")),
            Map.entry(Stage.ENCODE, List.of("io.streamrt.serde.OutputEncoder",
                    "io.streamrt.jobs.enrich.EnrichedRecordSerializer", "io.streamrt.jobs.enrich.DeadLetterSerializer")),
            Map.entry(Stage.POST_PROCESSING, List.of("io.streamrt.engine.task.", "InferenceFunction$Completion.onResult",
                    "io.streamrt.operators.internal.TaskHead", "io.streamrt.jobs.enrich.RouteResults",
                    "io.streamrt.serde.InferenceOutput")),
            Map.entry(Stage.HAND_OFF, List.of("io.streamrt.operators.", "org.apache.flink.streaming.api.operators.async.")),
            Map.entry(Stage.EXCHANGE, List.of("org.apache.flink.runtime.io.network.",
                    "org.apache.flink.streaming.runtime.io.", "org.apache.flink.streaming.runtime.streamrecord.",
                    "org.apache.flink.api.common.typeutils.", "org.apache.flink.api.java.typeutils.runtime.",
                    "io.streamrt.serde.TextRecord")),
            Map.entry(Stage.SOURCE, List.of("org.apache.kafka.clients.consumer.", "org.apache.flink.connector.kafka.source.",
                    "org.apache.flink.connector.base.source.", "org.apache.flink.streaming.api.operators.SourceOperator")),
            Map.entry(Stage.SINK, List.of("org.apache.kafka.clients.producer.", "org.apache.flink.connector.kafka.sink.",
                    "org.apache.flink.streaming.runtime.operators.sink.")));

    /** Any one of these frames, anywhere in the stack, makes the sample the broker's. */
    private static final List<String> BROKER_FRAMES = List.of("kafka.server.", "kafka.network.", "kafka.log.",
            "kafka.raft.", "kafka.cluster.", "kafka.coordinator.", "org.apache.kafka.server.",
            "org.apache.kafka.storage.", "org.apache.kafka.raft.", "org.apache.kafka.controller.",
            "org.apache.kafka.metadata.", "org.apache.kafka.image.", "org.apache.kafka.network.",
            "org.apache.kafka.coordinator.", "org.apache.kafka.queue.", "kafka.testkit.", "org.apache.kafka.common.test.");

    private static final List<String> JIT_THREADS = List.of("C1 CompilerThre", "C2 CompilerThre");

    private static final List<String> VM_THREADS = List.of("GC Thread", "G1 ", "VM Thread", "VM Periodic",
            "Service Thread", "Monitor Deflati", "Common-Cleaner", "Reference Handl", "Finalizer", "Signal Dispatch",
            "Sweeper thread");

    private StageProfile() {}

    /**
     * A profiled run.
     *
     * @param scenario the batching the job ran with
     * @param event the profiler's event ({@code cpu}: perf events; {@code itimer} where those are not allowed)
     * @param records inputs the run brought back (outputs and dead letters)
     * @param recordsPerS the run's rate, with the profiler on
     * @param nanos CPU nanoseconds sampled per stage
     * @param samples the raw stacks (thread name first), for whoever wants to look further
     */
    record Result(BenchScenario scenario, String event, int records, double recordsPerS, Map<Stage, Long> nanos,
                  String samples) {

        /** CPU microseconds per record of a stage. */
        double microsPerRecord(Stage stage) {
            return nanos.getOrDefault(stage, 0L) / 1e3 / records;
        }

        /** CPU microseconds per record of the whole pipeline: every stage except the broker and the harness. */
        double pipelineMicrosPerRecord() {
            return Arrays.stream(Stage.values()).filter(s -> s.pipeline).mapToDouble(this::microsPerRecord).sum();
        }

        /** The pipeline's CPU per record without the engine: what the record path costs on its own. */
        double recordPathMicrosPerRecord() {
            return pipelineMicrosPerRecord() - microsPerRecord(Stage.ENGINE);
        }

        String markdown() {
            double total = pipelineMicrosPerRecord();
            StringBuilder md = new StringBuilder(String.format(Locale.ROOT,
                    "CPU per record by stage (%s, backlog of %,d records at %.1f records/s with the profiler on; "
                            + "async-profiler, event %s, every thread):%n%n", scenario.label(), records, recordsPerS,
                    event));
            md.append("| stage | CPU µs/record | share of pipeline |\n|---|---:|---:|\n");
            for (Stage stage : Stage.values()) {
                if (stage.pipeline) {
                    md.append(String.format(Locale.ROOT, "| %s | %,.0f | %.1f%% |%n", stage.description,
                            microsPerRecord(stage), 100 * microsPerRecord(stage) / total));
                }
            }
            md.append(String.format(Locale.ROOT, "| **pipeline** | **%,.0f** | 100%% |%n", total));
            md.append(String.format(Locale.ROOT, "| of which not the engine | %,.0f | %.1f%% |%n",
                    recordPathMicrosPerRecord(), 100 * recordPathMicrosPerRecord() / total));
            for (Stage stage : Stage.values()) {
                if (!stage.pipeline) {
                    md.append(String.format(Locale.ROOT, "| (%s) | %,.0f | |%n", stage.description,
                            microsPerRecord(stage)));
                }
            }
            return md.toString();
        }

        /** {@code {"scenario", "event", "records", "records_per_s", "stages": [{"stage", "cpu_us_per_record"}]}}. */
        void write(Path file, String date, String machine, String model, String backend) throws IOException {
            ObjectNode root = BenchJson.root(date, machine, model);
            root.put("backend", backend);
            root.put("scenario", scenario.label());
            root.put("event", event);
            root.put("records", records);
            root.put("records_per_s", recordsPerS);
            root.put("pipeline_cpu_us_per_record", pipelineMicrosPerRecord());
            root.put("record_path_cpu_us_per_record", recordPathMicrosPerRecord());
            ArrayNode stages = root.putArray("stages");
            for (Stage stage : Stage.values()) {
                stages.addObject().put("stage", stage.id()).put("description", stage.description)
                        .put("pipeline", stage.pipeline).put("cpu_us_per_record", microsPerRecord(stage));
            }
            BenchJson.write(file, root);
        }
    }

    /**
     * Profiles one maximum-throughput run of {@code scenario} on a warmed-up job: sampling starts once the job runs
     * and its warm-up records are back, so start-up stays out, and stops when the last record is read back.
     */
    static Result run(PipelineBench pipeline, BenchScenario scenario) throws Exception {
        AsyncProfiler profiler = AsyncProfiler.getInstance();
        String[] event = new String[1];
        PipelineBench.MaxResult max = pipeline.onWarmJob(scenario, (topics, job, run) -> {
            event[0] = start(profiler);
            try {
                return pipeline.backlog(topics, job, run);
            } finally {
                profiler.execute("stop");
            }
        });
        String collapsed = profiler.dumpCollapsed(Counter.TOTAL);
        Map<Stage, Long> nanos = charge(collapsed);
        return new Result(scenario, event[0], max.outputs() + max.deadLetters(), max.recordsPerS(), nanos, collapsed);
    }

    /**
     * Starts CPU sampling every millisecond of CPU time, every thread, stacks split by thread; perf events where the
     * kernel allows them, otherwise the interval timer.
     */
    private static String start(AsyncProfiler profiler) throws IOException {
        IllegalStateException cpuFailure;
        try {
            profiler.execute("start,event=cpu,interval=1ms,threads");
            return "cpu";
        } catch (IllegalStateException | IOException e) {
            cpuFailure = new IllegalStateException(e.getMessage(), e);
        }
        try {
            profiler.execute("start,event=itimer,interval=1ms,threads");
            return "itimer";
        } catch (IllegalStateException | IOException e) {
            e.addSuppressed(cpuFailure);
            throw new IllegalStateException("async-profiler could start neither perf-event nor interval-timer CPU "
                    + "sampling (" + e.getMessage() + "); --stages-only needs one of them", e);
        }
    }

    /** Sums collapsed stacks ({@code [thread tid=N];frame;...;frame weight}) per stage. */
    static Map<Stage, Long> charge(String collapsed) {
        Map<Stage, Long> nanos = new EnumMap<>(Stage.class);
        for (String line : collapsed.split("\n")) {
            int space = line.lastIndexOf(' ');
            if (space <= 0) {
                continue;
            }
            long weight = Long.parseLong(line.substring(space + 1).trim());
            List<String> frames = new ArrayList<>(List.of(line.substring(0, space).split(";")));
            String thread = frames.isEmpty() || !frames.get(0).startsWith("[") ? "" : frames.remove(0);
            nanos.merge(classify(thread, frames), weight, Long::sum);
        }
        return nanos;
    }

    /**
     * The stage of one sample.
     *
     * @param thread {@code [name tid=N]}, or empty
     * @param frames outermost first, as async-profiler writes them
     */
    static Stage classify(String thread, List<String> frames) {
        List<String> normalized = frames.stream().map(f -> f.replace('/', '.')).toList();
        if (thread.contains(BenchTopics.HARNESS_CLIENT_PREFIX) || thread.contains("bench-pacer")
                || normalized.stream().anyMatch(f -> f.startsWith("io.streamrt.jobs.bench."))) {
            return Stage.HARNESS;
        }
        if (normalized.stream().anyMatch(f -> BROKER_FRAMES.stream().anyMatch(f::startsWith))) {
            return Stage.BROKER;
        }
        List<String> innermostFirst = new ArrayList<>(normalized);
        Collections.reverse(innermostFirst);
        for (String frame : innermostFirst) {
            for (Map.Entry<Stage, List<String>> rule : FRAME_RULES) {
                if (rule.getValue().stream().anyMatch(frame::contains)) {
                    return rule.getKey();
                }
            }
        }
        if (thread.startsWith("[kafka-producer-network-thread")) {
            return Stage.SINK;
        }
        if (JIT_THREADS.stream().anyMatch(name -> thread.startsWith("[" + name))) {
            return Stage.JIT;
        }
        if (VM_THREADS.stream().anyMatch(name -> thread.startsWith("[" + name))) {
            return Stage.GC;
        }
        if (normalized.stream().anyMatch(f -> f.startsWith("org.apache.flink.") || f.startsWith("org.apache.pekko.")
                || f.startsWith("akka."))) {
            return Stage.FLINK;
        }
        return Stage.OTHER;
    }
}
