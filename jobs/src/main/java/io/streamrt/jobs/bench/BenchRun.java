package io.streamrt.jobs.bench;

import io.streamrt.engine.EngineInfo;
import io.streamrt.engine.EngineLease;
import io.streamrt.engine.EngineRegistry;
import io.streamrt.engine.EngineSpec;
import io.streamrt.jobs.demo.DemoTexts;
import io.streamrt.jobs.enrich.EnrichConfig;
import io.streamrt.jobs.kafka.EmbeddedKafka;
import io.streamrt.serde.TextTokenizer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import picocli.CommandLine;

/**
 * One {@code bench} run, as {@link BenchCommand}'s validated flags ask: an in-process broker and one engine shared
 * by every scenario, then either the scenarios (engine alone, each scenario's maximum and open-loop runs, the report
 * and chart, then the encodings and the latency-bounded throughput) or the one mode that replaces them (soak,
 * stages, SQL, encodings or latency-bounded only). Each part writes its figures and prints its table.
 *
 * <pre>{@code
 * return new BenchRun(this, spec.commandLine()).run();
 * }</pre>
 */
final class BenchRun {

    private static final List<Integer> ENGINE_BATCH_SIZES = List.of(1, 2, 4, 8, 16, 32, 64);
    private static final Duration SOAK_SAMPLE_EVERY = Duration.ofSeconds(10);
    /** --long-texts-only without --records: documents of a few hundred to a couple of thousand tokens each. */
    private static final int LONG_TEXT_DOCUMENTS = 200;

    private final BenchCommand flags;
    private final CommandLine commandLine;
    private final long started = System.nanoTime();
    private final int recordCount;
    private final String date = OffsetDateTime.now().truncatedTo(ChronoUnit.SECONDS).toString();
    private final String loadBefore = loadAverage();
    private final PrintWriter out;
    private final List<String> variants;
    private final BenchProgress progress;
    private int engineRounds;

    BenchRun(BenchCommand flags, CommandLine commandLine) {
        this.flags = flags;
        this.commandLine = commandLine;
        this.recordCount = flags.recordCount();
        this.out = commandLine.getOut();
        this.variants = flags.variants();
        this.progress = new BenchProgress(commandLine.getErr(), flags.soakMinutes > 0 || flags.stagesOnly ? 2
                : flags.encodingsOnly ? 2 + variants.size() : flags.sqlOnly ? 5 : flags.longTextsOnly ? 3
                : flags.engineFreeOnly ? 1 + (flags.rounds + 1) * EngineFreeBench.JOBS.size()
                : 2 + 3 * (1 + flags.loads.size()) + variants.size());
    }

    /** Runs what the flags ask for; returns the exit code. */
    int run() throws Exception {
        List<DemoTexts.DemoText> texts = flags.seed.texts(recordCount);
        List<byte[]> values = texts.stream().map(t -> DemoTexts.toJson(t, "text", "id")).toList();
        try (EmbeddedKafka kafka = EmbeddedKafka.startQuietly(null)) {
            EnrichConfig template = flags.template(kafka.bootstrapServers());
            EngineSpec engineSpec = BenchScenario.engineSpec(template);
            // Held for the whole run: every scenario shares this engine, warm, and none pays for loading it.
            try (EngineLease lease = EngineRegistry.shared().acquire(engineSpec)) {
                EngineInfo info = lease.engine().info();
                PipelineBench pipeline = new PipelineBench(kafka, template, values, flags.pipelineSettings(),
                        progress::detail);
                if (flags.soakMinutes > 0) {
                    soak(pipeline, info);
                } else if (flags.stagesOnly) {
                    // Two runs: after one the JIT is still compiling the job's hot paths, and the profile is of
                    // the steady state.
                    progress.step("pipeline warm-up: two unmeasured adaptive runs, " + recordCount + " records each");
                    pipeline.maxThroughput(BenchScenario.ADAPTIVE);
                    pipeline.maxThroughput(BenchScenario.ADAPTIVE);
                    progress.done("done");
                    stages(pipeline, info);
                } else if (flags.sqlOnly) {
                    warmUp(pipeline);
                    sql(pipeline, info);
                } else if (flags.engineFreeOnly) {
                    engineFree(kafka, template, values, info);
                } else if (flags.longTextsOnly) {
                    warmUp(pipeline);
                    longTexts(pipeline, template, info);
                } else if (flags.encodingsOnly) {
                    warmUp(pipeline);
                    encodings(pipeline, info);
                } else {
                    scenarios(pipeline, lease, engineSpec, texts, info);
                }
            }
        }
        return 0;
    }

    private void warmUp(PipelineBench pipeline) throws Exception {
        progress.step("pipeline warm-up: one unmeasured adaptive run, " + recordCount + " records");
        pipeline.maxThroughput(BenchScenario.ADAPTIVE);
        progress.done("done");
    }

    /** The engine alone, then each scenario's maximum and open-loop runs, the report, and what follows it. */
    private void scenarios(PipelineBench pipeline, EngineLease lease, EngineSpec engineSpec,
            List<DemoTexts.DemoText> texts, EngineInfo info) throws Exception {
        List<EngineAloneBench.Point> engine = engineAlone(lease, engineSpec, texts);
        Map<BenchScenario, PipelineBench.MaxResult> maxima = new EnumMap<>(BenchScenario.class);
        Map<BenchScenario, List<PipelineBench.OpenLoopResult>> openLoops = new EnumMap<>(BenchScenario.class);
        // One unmeasured run first: in a fresh JVM the JIT spends the first minutes compiling Kafka's, Flink's and
        // StreamRT's hot paths, which a long-running TaskManager has long finished.
        progress.step("pipeline warm-up: one unmeasured adaptive run, " + recordCount + " records");
        progress.done(String.format(Locale.ROOT, "%.1f records/s (not reported)",
                pipeline.maxThroughput(BenchScenario.ADAPTIVE).recordsPerS()));
        double adaptiveMax = 0;
        // Adaptive first: its maximum sets every scenario's offered rates.
        for (BenchScenario scenario : List.of(BenchScenario.ADAPTIVE, BenchScenario.PER_RECORD,
                BenchScenario.STATIC)) {
            progress.step(scenario.label() + ": max throughput, " + recordCount + " records pre-loaded");
            PipelineBench.MaxResult max = pipeline.maxThroughput(scenario);
            maxima.put(scenario, max);
            progress.done(String.format(Locale.ROOT, "%.1f records/s over %.1f s, engine busy %.0f%% of it%s",
                    max.recordsPerS(), max.spanSeconds(), 100 * max.engineBusyShare(),
                    max.deadLetters() > 0 ? " (" + max.deadLetters() + " dead letters)" : ""));
            if (scenario == BenchScenario.ADAPTIVE) {
                adaptiveMax = max.recordsPerS();
            }
            openLoops.put(scenario, openLoops(pipeline, scenario, adaptiveMax));
        }
        if (flags.latencyBoundedOnly) {
            latencyBounded(pipeline, engine, maxima, info);
            return;
        }
        report(engine, maxima, openLoops, info);
        encodings(pipeline, info);
        if (flags.latencyBoundMs > 0) {
            latencyBounded(pipeline, engine, maxima, info);
        }
        out.flush();
    }

    private List<PipelineBench.OpenLoopResult> openLoops(PipelineBench pipeline, BenchScenario scenario,
            double adaptiveMax) throws Exception {
        List<PipelineBench.OpenLoopResult> points = new ArrayList<>();
        for (double load : flags.latencyBoundedOnly ? List.<Double>of() : flags.loads) {
            double offered = load * adaptiveMax;
            progress.step(String.format(Locale.ROOT, "%s: open loop at %.0f%% (%.1f records/s for %d s)",
                    scenario.label(), load * 100, offered, flags.windowSeconds()));
            PipelineBench.OpenLoopResult r = pipeline.openLoop(scenario, load, offered);
            points.add(r);
            progress.done(String.format(Locale.ROOT,
                    "achieved %.1f/s, p50 %.0f ms, p99 %s%.0f ms (in the operator's queue: p50 %.0f ms, "
                            + "p99 %.0f ms), mean batch %.1f, %d of %d back%s", r.achievedPerS(),
                    r.p50Ms(), r.censored() ? ">=" : "", r.p99Ms(), r.queueP50Ms(), r.queueP99Ms(),
                    r.batches().meanBatchSize(), r.received(), r.sent(),
                    r.deadLetters() > 0 ? ", " + r.deadLetters() + " dead letters" : ""));
        }
        return points;
    }

    /** The scenarios' table with the targets checked, the JSON figures and the chart. */
    private void report(List<EngineAloneBench.Point> engine, Map<BenchScenario, PipelineBench.MaxResult> maxima,
            Map<BenchScenario, List<PipelineBench.OpenLoopResult>> openLoops, EngineInfo info) throws IOException {
        String setup = String.format(Locale.ROOT, "Parallelism %d, max batch %d, max sequence %d tokens, "
                        + "latency target %d ms, static max delay %d ms, capacity %d; %d records (seed %d); "
                        + "open-loop windows %d s after %d warm-up records and %d s paced at the window's "
                        + "rate. Engine alone: median of %d passes. 1-minute load average before the run %s, "
                        + "after %s (the machine is shared: other work lowers every figure).", flags.parallelism,
                flags.inference.shape.maxBatchSize, flags.inference.shape.maxSequenceLength,
                flags.inference.latencyTargetMs, flags.staticMaxDelayMs, flags.inference.capacity, recordCount,
                flags.seed.value, flags.windowSeconds(), flags.warmUpCount(), flags.pacedWarmUpSeconds(),
                engineRounds, loadBefore, loadAverage());
        BenchReport report = new BenchReport(new BenchReport.Meta(date, machine(), info.model(),
                info.backend(), setup, flags.inference.latencyTargetMs), engine, maxima, openLoops);
        BenchResults results = report.toResults();
        createParent(flags.output);
        createParent(flags.chart);
        results.write(flags.output);
        BenchChart.write(results, flags.chart);
        out.println(report.markdown());
        out.printf(Locale.ROOT, "Wrote %s and %s in %.0f s.%n", flags.output, flags.chart,
                (System.nanoTime() - started) / 1e9);
    }

    private void latencyBounded(PipelineBench pipeline, List<EngineAloneBench.Point> engine,
            Map<BenchScenario, PipelineBench.MaxResult> maxima, EngineInfo info) throws Exception {
        if (flags.latencyBoundMs <= 0) {
            throw new CommandLine.ParameterException(commandLine,
                    "--latency-bounded-only needs a positive --latency-bound-ms, found " + flags.latencyBoundMs);
        }
        Map<BenchScenario, Double> rates = new EnumMap<>(BenchScenario.class);
        maxima.forEach((scenario, max) -> rates.put(scenario, max.recordsPerS()));
        double engineBest = engine.stream().mapToDouble(EngineAloneBench.Point::recordsPerS).max().orElse(0);
        LatencyBoundedBench.Result result = LatencyBoundedBench.run(pipeline::openLoop, rates, flags.latencyBoundMs,
                engineBest,
                what -> progress.step("latency-bounded: " + what),
                step -> progress.done(String.format(Locale.ROOT, "%s: p99 %s%.0f ms, achieved %.1f/s, mean batch %.1f",
                        step.pass() ? "within" : "over", step.censored() ? ">=" : "", step.p99Ms(),
                        step.achievedPerS(), step.meanBatchSize())));
        createParent(flags.latencyBoundedOutput);
        createParent(flags.latencyBoundedChart);
        result.write(flags.latencyBoundedOutput, date, machine(), info.model(), info.backend());
        result.chart(flags.latencyBoundedChart);
        printWritten(result.markdown(), flags.latencyBoundedOutput, flags.latencyBoundedChart);
    }

    private void stages(PipelineBench pipeline, EngineInfo info) throws Exception {
        progress.step("stages: adaptive max throughput under the profiler");
        StageProfile.Result result = StageProfile.run(pipeline, BenchScenario.ADAPTIVE);
        progress.done(String.format(Locale.ROOT, "%.1f records/s, pipeline CPU %.0f µs per record",
                result.recordsPerS(), result.pipelineMicrosPerRecord()));
        createParent(flags.stagesOutput);
        result.write(flags.stagesOutput, date, machine(), info.model(), info.backend());
        Path stacks = flags.stagesOutput.resolveSibling(flags.stagesOutput.getFileName().toString()
                .replaceFirst("\\.json$", "") + ".stacks.txt");
        Files.writeString(stacks, result.samples());
        printWritten(result.markdown(), flags.stagesOutput, stacks);
    }

    private void encodings(PipelineBench pipeline, EngineInfo info) throws Exception {
        if (variants.isEmpty()) {
            return;
        }
        EncodingBench.Report report = EncodingBench.run(pipeline, variants,
                variant -> progress.step("output encoding " + variant + ": adaptive max throughput"),
                point -> progress.done(String.format(Locale.ROOT, "%.0f bytes per record, %.1f records/s",
                        point.bytesPerRecord(), point.recordsPerS())));
        createParent(flags.encodingsOutput);
        report.write(flags.encodingsOutput, date, machine(), info.model());
        printWritten(report.markdown(), flags.encodingsOutput);
    }

    private void sql(PipelineBench pipeline, EngineInfo info) throws Exception {
        int capacity = flags.inference.capacity;
        SqlBench.Report report = SqlBench.run(pipeline, capacity,
                List.of(SqlBench.FLINK_DEFAULT_CONCURRENCY, capacity),
                what -> progress.step(what + ": max throughput"),
                point -> progress.done(String.format(Locale.ROOT, "%.1f records/s, mean batch %.1f",
                        point.max().recordsPerS(), point.max().batches().meanBatchSize())));
        createParent(flags.sqlOutput);
        report.write(flags.sqlOutput, date, machine(), info.model());
        printWritten(report.markdown(), flags.sqlOutput);
    }

    private void longTexts(PipelineBench pipeline, EnrichConfig template, EngineInfo info) throws Exception {
        int documents = flags.records != null ? flags.records : LONG_TEXT_DOCUMENTS;
        LongTextBench.Report report = LongTextBench.run(pipeline, template, flags.seed.documents(documents),
                progress::step,
                point -> progress.done(String.format(Locale.ROOT, "%.1f records/s, %.0f tokens/s, p99 %.0f ms",
                        point.max().recordsPerS(), point.tokensPerS(), point.open().p99Ms())));
        createParent(flags.longTextsOutput);
        report.write(flags.longTextsOutput, date, machine(), info.model());
        printWritten(report.markdown(), flags.longTextsOutput);
    }

    private void engineFree(EmbeddedKafka kafka, EnrichConfig template, List<byte[]> values, EngineInfo info)
            throws Exception {
        int warmUp = flags.engineFreeWarmUp();
        progress.step(String.format(Locale.ROOT, "engine-free: writing %,d warm-up and %,d measured records",
                warmUp, values.size()));
        EngineFreeBench bench = new EngineFreeBench(kafka, template, values, warmUp, progress::detail);
        EngineFreeBench.Report report = bench.run(flags.rounds, () -> progress.done("written"), progress::step,
                run -> progress.done(String.format(Locale.ROOT, "%,.0f records/s over %.1f s, %,.0f bytes per output",
                        run.recordsPerS(), run.spanSeconds(), run.bytesPerOutput())));
        createParent(flags.engineFreeOutput);
        createParent(flags.engineFreeChart);
        report.write(flags.engineFreeOutput, date, machine(), info.model());
        report.chart(flags.engineFreeChart);
        printWritten(report.markdown(), flags.engineFreeOutput, flags.engineFreeChart);
    }

    private void soak(PipelineBench pipeline, EngineInfo info) throws Exception {
        double rate = flags.soakRate;
        if (rate <= 0) {
            progress.step("soak: the adaptive maximum, to offer 80% of it");
            rate = 0.8 * pipeline.maxThroughput(BenchScenario.ADAPTIVE).recordsPerS();
            progress.done(String.format(Locale.ROOT, "soak rate %.1f records/s", rate));
        }
        progress.step(String.format(Locale.ROOT, "soak: %.1f records/s for %d minutes", rate, flags.soakMinutes));
        SoakBench.Result result = new SoakBench(pipeline, SOAK_SAMPLE_EVERY, progress::detail)
                .run(rate, Duration.ofMinutes(flags.soakMinutes));
        SoakReport report = SoakReport.of(new SoakReport.Meta(date, machine(), info.model(), info.backend(),
                flags.soakMinutes), result);
        progress.done(report.summary());
        createParent(flags.soakOutput);
        createParent(flags.soakChart);
        report.write(flags.soakOutput, flags.soakChart);
        printWritten(report.summary(), flags.soakOutput, flags.soakChart);
    }

    private List<EngineAloneBench.Point> engineAlone(EngineLease lease, EngineSpec engineSpec,
            List<DemoTexts.DemoText> texts) {
        progress.step("engine alone: " + texts.size() + " records, length-sorted, batch sizes " + batchSizes());
        List<long[]> tokenized = new ArrayList<>();
        int maxSequence = Math.min(engineSpec.maxSequenceLength(), lease.engine().info().maxSequenceLength());
        try (TextTokenizer tokenizer = TextTokenizer.open(lease.model().tokenizer(), maxSequence)) {
            for (DemoTexts.DemoText text : texts) {
                tokenized.add(tokenizer.encode(text.text()).ids());
            }
        }
        EngineAloneBench bench = new EngineAloneBench(lease.engine(), tokenized);
        List<EngineAloneBench.Point> points = bench.run(batchSizes(),
                p -> progress.detail(String.format(Locale.ROOT, "batch %d: %.1f records/s (padding %.3f, %.1f s)",
                        p.batchSize(), p.recordsPerS(), p.paddingRatio(), p.seconds())));
        engineRounds = bench.rounds();
        progress.done("best " + BenchReport.num(points.stream().mapToDouble(EngineAloneBench.Point::recordsPerS)
                .max().orElse(0)) + " records/s, median of " + engineRounds + " passes per batch size");
        return points;
    }

    /** 1, 2, 4, ... 64 up to --max-batch-size, and that size itself. */
    private List<Integer> batchSizes() {
        int maxBatchSize = flags.inference.shape.maxBatchSize;
        List<Integer> sizes = new ArrayList<>(ENGINE_BATCH_SIZES.stream().filter(b -> b <= maxBatchSize).toList());
        if (maxBatchSize < 64 && !sizes.contains(maxBatchSize)) {
            sizes.add(maxBatchSize);
        }
        return sizes;
    }

    /** A part's table (or summary), then {@code Wrote A and B.} naming the files it wrote. */
    private void printWritten(String table, Path... files) {
        out.println(table);
        out.println("Wrote " + Arrays.stream(files).map(Path::toString).collect(Collectors.joining(" and ")) + ".");
        out.flush();
    }

    /** {@code <os.arch>, <cores> cores, <CPU model>}; the model only where /proc/cpuinfo is readable. */
    static String machine() {
        String machine = System.getProperty("os.arch") + ", " + Runtime.getRuntime().availableProcessors() + " cores";
        try (var lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            return lines.filter(l -> l.startsWith("model name")).map(l -> l.substring(l.indexOf(':') + 1).trim())
                    .findFirst().map(model -> machine + ", " + model).orElse(machine);
        } catch (IOException | RuntimeException e) {
            return machine;
        }
    }

    private static void createParent(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
    }

    /** The 1-minute load average where /proc/loadavg is readable, else "unknown". */
    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }
}
