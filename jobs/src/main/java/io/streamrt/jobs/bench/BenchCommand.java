package io.streamrt.jobs.bench;

import io.streamrt.engine.EngineInfo;
import io.streamrt.engine.EngineLease;
import io.streamrt.engine.EngineRegistry;
import io.streamrt.engine.EngineSpec;
import io.streamrt.jobs.InferenceFlags;
import io.streamrt.jobs.OptionFlags;
import io.streamrt.jobs.demo.DemoTexts;
import io.streamrt.jobs.demo.SeedFlag;
import io.streamrt.jobs.enrich.EnrichConfig;
import io.streamrt.jobs.kafka.EmbeddedKafka;
import io.streamrt.serde.TextTokenizer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench}: one command, one JVM, one run, the same generated input for every scenario. Measures the engine
 * alone (the ceiling, batch sizes 1 to 64), then per-record, static and adaptive inference through a real Kafka
 * broker (in-process, 127.0.0.1) and a Flink local environment: maximum sustained throughput with the input
 * pre-loaded, and open-loop runs at 30%, 60% and 90% of the adaptive maximum with end-to-end latency percentiles.
 * Prints a Markdown table with the targets checked, writes the figures as JSON and draws a chart.
 *
 * <pre>{@code
 * java -jar jobs/target/streamrt-jobs.jar bench --quick --output bench-results.json --chart bench-results.png
 * }</pre>
 */
@Command(name = "bench", mixinStandardHelpOptions = true, modelTransformer = OptionFlags.class, sortOptions = false,
        description = "Benchmarks the engine alone, per-record, static and adaptive inference on one machine "
                + "(in-process Kafka, local Flink) and checks the throughput and latency targets.")
public final class BenchCommand implements Callable<Integer> {

    private static final int DEFAULT_RECORDS = 1200;
    private static final int QUICK_RECORDS = 400;
    private static final int DEFAULT_DURATION_S = 20;
    private static final int QUICK_DURATION_S = 5;
    private static final int DEFAULT_WARM_UP = 100;
    private static final int QUICK_WARM_UP = 50;
    private static final int DEFAULT_PACED_WARM_UP_S = 3;
    private static final int QUICK_PACED_WARM_UP_S = 2;
    private static final List<Integer> ENGINE_BATCH_SIZES = List.of(1, 2, 4, 8, 16, 32, 64);
    private static final Duration SOAK_SAMPLE_EVERY = Duration.ofSeconds(10);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    InferenceFlags inference;

    @Option(names = "--quick", description = "Fewer records and 5 s open-loop windows: under 3 minutes on 2 cores. "
            + "Same scenarios and loads.")
    boolean quick;

    @Option(names = "--records", paramLabel = "N",
            description = "Input records (the same set for every scenario; open-loop runs cycle through it). "
                    + "Default: " + DEFAULT_RECORDS + ", " + QUICK_RECORDS + " with --quick.")
    Integer records;

    @Option(names = "--duration-s", paramLabel = "S",
            description = "Paced window of each open-loop run, in seconds. Default: " + DEFAULT_DURATION_S + ", "
                    + QUICK_DURATION_S + " with --quick.")
    Integer durationS;

    @Option(names = "--loads", paramLabel = "L1,L2,...", split = ",", defaultValue = "0.3,0.6,0.9",
            description = "Offered rates of the open-loop runs, as shares of the adaptive maximum. "
                    + "Default: ${DEFAULT-VALUE}.")
    List<Double> loads;

    @Option(names = "--parallelism", paramLabel = "N", defaultValue = "2",
            description = "Job parallelism; all subtasks share one engine. Default: ${DEFAULT-VALUE}.")
    int parallelism;

    @Option(names = "--static-max-delay-ms", paramLabel = "MS", defaultValue = "10",
            description = "The static scenario's fixed max wait for a batch to fill. Default: ${DEFAULT-VALUE}.")
    long staticMaxDelayMs;

    @Option(names = "--warm-up-records", paramLabel = "N",
            description = "Records run through each open-loop job before its paced window. Default: "
                    + DEFAULT_WARM_UP + ", " + QUICK_WARM_UP + " with --quick.")
    Integer warmUpRecords;

    @Option(names = "--warm-up-s", paramLabel = "S",
            description = "Seconds each open-loop run is paced at its rate before the measured window, so the window "
                    + "sees the steady state and not the job's first checkpoints or the burst of warm-up records. "
                    + "Default: " + DEFAULT_PACED_WARM_UP_S + ", " + QUICK_PACED_WARM_UP_S + " with --quick.")
    Integer warmUpS;

    @CommandLine.Mixin
    SeedFlag seed;

    @Option(names = "--output", paramLabel = "FILE", defaultValue = "bench-results.json",
            description = "Where the JSON figures go. Default: ${DEFAULT-VALUE}.")
    Path output;

    @Option(names = "--chart", paramLabel = "FILE", defaultValue = "bench-results.png",
            description = "Where the PNG chart goes. Default: ${DEFAULT-VALUE}.")
    Path chart;

    @Option(names = "--soak-minutes", paramLabel = "N", defaultValue = "0",
            description = "Instead of the scenarios: a soak. The adaptive job fed open-loop at --soak-rate for N "
                    + "minutes, sampled every 10 s (heap after GC, resident memory, queue sizes, p99), written to "
                    + "--soak-output and --soak-chart, with the growth from the first quarter to the end. "
                    + "Default: 0 (no soak).")
    int soakMinutes;

    @Option(names = "--soak-rate", paramLabel = "PER_S", defaultValue = "0",
            description = "The soak's rate, records per second. Default: 0, which measures the adaptive maximum "
                    + "first and offers 80%% of it.")
    double soakRate;

    @Option(names = "--soak-output", paramLabel = "FILE", defaultValue = "soak-results.json",
            description = "Where the soak's JSON goes. Default: ${DEFAULT-VALUE}.")
    Path soakOutput;

    @Option(names = "--soak-chart", paramLabel = "FILE", defaultValue = "soak-results.png",
            description = "Where the soak's chart goes. Default: ${DEFAULT-VALUE}.")
    Path soakChart;

    @Option(names = "--encodings", paramLabel = "E1,E2,...", split = ",",
            defaultValue = "json,base64-f32,base64-f16,no-embedding",
            description = "After the scenarios, the adaptive maximum throughput and output record size with the "
                    + "embedding written each of these ways (json, base64-f32, base64-f16, no-embedding); "
                    + "--encodings none skips it. Default: ${DEFAULT-VALUE}.")
    List<String> encodings;

    @Option(names = "--encodings-only", description = "Measure only the output encodings (--encodings), not the "
            + "scenarios.")
    boolean encodingsOnly;

    @Option(names = "--encodings-output", paramLabel = "FILE", defaultValue = "bench-encodings.json",
            description = "Where the encodings' figures go. Default: ${DEFAULT-VALUE}.")
    Path encodingsOutput;

    @Option(names = "--latency-bound-ms", paramLabel = "MS", defaultValue = "250",
            description = "After the scenarios, each one's latency-bounded throughput: the highest offered rate whose "
                    + "p99 end-to-end latency stays within MS and whose achieved rate is >= 98%% of offered, found "
                    + "by open-loop steps of --duration-s each; 0 skips it. Default: ${DEFAULT-VALUE}.")
    long latencyBoundMs;

    @Option(names = "--latency-bounded-only", description = "Measure only the engine alone, the backlog maxima and "
            + "the latency-bounded throughput (no fixed-load steps, no encodings).")
    boolean latencyBoundedOnly;

    @Option(names = "--latency-bounded-output", paramLabel = "FILE", defaultValue = "bench-latency-bounded.json",
            description = "Where the latency-bounded figures go. Default: ${DEFAULT-VALUE}.")
    Path latencyBoundedOutput;

    @Option(names = "--latency-bounded-chart", paramLabel = "FILE", defaultValue = "bench-latency-bounded.png",
            description = "Where the latency-bounded chart goes. Default: ${DEFAULT-VALUE}.")
    Path latencyBoundedChart;

    @Option(names = "--stages-only", description = "Measure only where the pipeline's CPU goes: one adaptive "
            + "backlog run of --records records under async-profiler, CPU microseconds per record by stage.")
    boolean stagesOnly;

    @Option(names = "--stages-output", paramLabel = "FILE", defaultValue = "bench-stages.json",
            description = "Where the per-stage figures go; the raw stacks go beside it (.stacks.txt). "
                    + "Default: ${DEFAULT-VALUE}.")
    Path stagesOutput;

    @Option(names = "--sql-only", description = "Measure only the SQL path against the DataStream operator: the "
            + "adaptive job's maximum throughput, then ML_PREDICT on a streamrt model with Flink's default of 10 rows in "
            + "flight per subtask and with --capacity.")
    boolean sqlOnly;

    @Option(names = "--sql-output", paramLabel = "FILE", defaultValue = "bench-sql.json",
            description = "Where the SQL comparison goes. Default: ${DEFAULT-VALUE}.")
    Path sqlOutput;

    private int engineRounds;

    @Override
    public Integer call() throws Exception {
        validate();
        long started = System.nanoTime();
        int recordCount = records != null ? records : quick ? QUICK_RECORDS : DEFAULT_RECORDS;
        int windowS = durationS != null ? durationS : quick ? QUICK_DURATION_S : DEFAULT_DURATION_S;
        int warmUp = warmUpRecords != null ? warmUpRecords : quick ? QUICK_WARM_UP : DEFAULT_WARM_UP;
        int pacedWarmUpS = warmUpS != null ? warmUpS : quick ? QUICK_PACED_WARM_UP_S : DEFAULT_PACED_WARM_UP_S;
        String date = OffsetDateTime.now().truncatedTo(ChronoUnit.SECONDS).toString();
        String loadBefore = loadAverage();
        PrintWriter out = spec.commandLine().getOut();
        List<String> variants = encodings.contains("none") ? List.of() : encodings;
        Progress progress = new Progress(spec.commandLine().getErr(), soakMinutes > 0 || stagesOnly ? 2
                : encodingsOnly ? 2 + variants.size() : sqlOnly ? 5 : 2 + 3 * (1 + loads.size()) + variants.size());

        List<DemoTexts.DemoText> texts = seed.texts(recordCount);
        List<byte[]> values = texts.stream().map(t -> DemoTexts.toJson(t, "text", "id")).toList();
        Path work = Files.createTempDirectory("streamrt-bench");
        try (EmbeddedKafka kafka = quietly(() -> EmbeddedKafka.start(work.resolve("kafka")))) {
            EnrichConfig template = template(kafka.bootstrapServers());
            EngineSpec engineSpec = BenchScenario.engineSpec(template);
            // Held for the whole run: every scenario shares this engine, warm, and none pays for loading it.
            try (EngineLease lease = EngineRegistry.shared().acquire(engineSpec)) {
                EngineInfo info = lease.engine().info();
                PipelineBench pipeline = new PipelineBench(kafka, template, values,
                        new PipelineBench.Settings(Duration.ofMillis(staticMaxDelayMs), warmUp,
                                Duration.ofSeconds(pacedWarmUpS), Duration.ofSeconds(windowS),
                                Duration.ofSeconds(Math.max(5, windowS)), Duration.ofMinutes(5)), progress::detail);
                if (soakMinutes > 0) {
                    return soak(pipeline, info, date, progress, out);
                }
                if (stagesOnly) {
                    // Two warm-up runs: after one, the JIT compilers still took a fifth of the profiled CPU.
                    progress.step("pipeline warm-up: two unmeasured adaptive runs, " + recordCount + " records each");
                    pipeline.maxThroughput(BenchScenario.ADAPTIVE);
                    pipeline.maxThroughput(BenchScenario.ADAPTIVE);
                    progress.done("done");
                    stages(pipeline, info, date, progress, out);
                    return 0;
                }
                if (sqlOnly) {
                    progress.step("pipeline warm-up: one unmeasured adaptive run, " + recordCount + " records");
                    pipeline.maxThroughput(BenchScenario.ADAPTIVE);
                    progress.done("done");
                    sql(pipeline, info, date, progress, out);
                    return 0;
                }
                if (encodingsOnly) {
                    progress.step("pipeline warm-up: one unmeasured adaptive run, " + recordCount + " records");
                    pipeline.maxThroughput(BenchScenario.ADAPTIVE);
                    progress.done("done");
                    encodings(pipeline, variants, info, date, progress, out);
                    return 0;
                }
                List<EngineAloneBench.Point> engine = engineAlone(lease, engineSpec, texts, progress);
                Map<BenchScenario, PipelineBench.MaxResult> maxima = new EnumMap<>(BenchScenario.class);
                Map<BenchScenario, List<PipelineBench.OpenLoopResult>> openLoops = new EnumMap<>(BenchScenario.class);
                // One unmeasured run first: in a fresh JVM the JIT spends the first minutes compiling Kafka's,
                // Flink's and StreamRT's hot paths (seen here: compiler threads took a fifth of the CPU during the
                // first runs), which a long-running TaskManager has long finished.
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
                    List<PipelineBench.OpenLoopResult> points = new ArrayList<>();
                    for (double load : latencyBoundedOnly ? List.<Double>of() : loads) {
                        double offered = load * adaptiveMax;
                        progress.step(String.format(Locale.ROOT, "%s: open loop at %.0f%% (%.1f records/s for %d s)",
                                scenario.label(), load * 100, offered, windowS));
                        PipelineBench.OpenLoopResult r = pipeline.openLoop(scenario, load, offered);
                        points.add(r);
                        progress.done(String.format(Locale.ROOT,
                                "achieved %.1f/s, p50 %.0f ms, p99 %s%.0f ms (in the operator's queue: p50 %.0f ms, "
                                        + "p99 %.0f ms), mean batch %.1f, %d of %d back%s", r.achievedPerS(),
                                r.p50Ms(), r.censored() ? ">=" : "", r.p99Ms(), r.queueP50Ms(), r.queueP99Ms(),
                                r.batches().meanBatchSize(), r.received(), r.sent(),
                                r.deadLetters() > 0 ? ", " + r.deadLetters() + " dead letters" : ""));
                    }
                    openLoops.put(scenario, points);
                }
                if (latencyBoundedOnly) {
                    latencyBounded(pipeline, engine, maxima, info, date, progress, out);
                    return 0;
                }

                String setup = String.format(Locale.ROOT, "Parallelism %d, max batch %d, max sequence %d tokens, "
                                + "latency target %d ms, static max delay %d ms, capacity %d; %d records (seed %d); "
                                + "open-loop windows %d s after %d warm-up records and %d s paced at the window's "
                                + "rate. Engine alone: median of %d passes. 1-minute load average before the run %s, "
                                + "after %s (the machine is shared: other work lowers every figure).", parallelism,
                        inference.shape.maxBatchSize, inference.shape.maxSequenceLength, inference.latencyTargetMs,
                        staticMaxDelayMs, inference.capacity, recordCount, seed.seed, windowS, warmUp,
                        pacedWarmUpS, engineRounds, loadBefore, loadAverage());
                BenchReport report = new BenchReport(new BenchReport.Meta(date, machine(), info.model(),
                        info.backend(), setup, inference.latencyTargetMs), engine, maxima, openLoops);
                BenchResults results = report.toResults();
                createParent(output);
                createParent(chart);
                results.write(output);
                BenchChart.write(results, chart);
                out.println(report.markdown());
                out.printf(Locale.ROOT, "Wrote %s and %s in %.0f s.%n", output, chart,
                        (System.nanoTime() - started) / 1e9);
                encodings(pipeline, variants, info, date, progress, out);
                if (latencyBoundMs > 0) {
                    latencyBounded(pipeline, engine, maxima, info, date, progress, out);
                }
                out.flush();
            }
        } finally {
            deleteQuietly(work);
        }
        return 0;
    }

    private void latencyBounded(PipelineBench pipeline, List<EngineAloneBench.Point> engine,
            Map<BenchScenario, PipelineBench.MaxResult> maxima, EngineInfo info, String date, Progress progress,
            PrintWriter out) throws Exception {
        if (latencyBoundMs <= 0) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--latency-bounded-only needs a positive --latency-bound-ms, found " + latencyBoundMs);
        }
        Map<BenchScenario, Double> rates = new EnumMap<>(BenchScenario.class);
        maxima.forEach((scenario, max) -> rates.put(scenario, max.recordsPerS()));
        double engineBest = engine.stream().mapToDouble(EngineAloneBench.Point::recordsPerS).max().orElse(0);
        LatencyBoundedBench.Result result = LatencyBoundedBench.run(pipeline::openLoop, rates, latencyBoundMs,
                engineBest,
                what -> progress.step("latency-bounded: " + what),
                step -> progress.done(String.format(Locale.ROOT, "%s: p99 %s%.0f ms, achieved %.1f/s, mean batch %.1f",
                        step.pass() ? "within" : "over", step.censored() ? ">=" : "", step.p99Ms(),
                        step.achievedPerS(), step.meanBatchSize())));
        createParent(latencyBoundedOutput);
        createParent(latencyBoundedChart);
        result.write(latencyBoundedOutput, date, machine(), info.model(), info.backend());
        result.chart(latencyBoundedChart);
        out.println(result.markdown());
        out.printf("Wrote %s and %s.%n", latencyBoundedOutput, latencyBoundedChart);
        out.flush();
    }

    private void stages(PipelineBench pipeline, EngineInfo info, String date, Progress progress, PrintWriter out)
            throws Exception {
        progress.step("stages: adaptive max throughput under the profiler");
        StageProfile.Result result = StageProfile.run(pipeline, BenchScenario.ADAPTIVE);
        progress.done(String.format(Locale.ROOT, "%.1f records/s, pipeline CPU %.0f µs per record",
                result.recordsPerS(), result.pipelineMicrosPerRecord()));
        createParent(stagesOutput);
        result.write(stagesOutput, date, machine(), info.model(), info.backend());
        Path stacks = stagesOutput.resolveSibling(stagesOutput.getFileName().toString().replaceFirst("\\.json$", "")
                + ".stacks.txt");
        Files.writeString(stacks, result.samples());
        out.println(result.markdown());
        out.printf("Wrote %s and %s.%n", stagesOutput, stacks);
        out.flush();
    }

    private void encodings(PipelineBench pipeline, List<String> variants, EngineInfo info, String date,
            Progress progress, PrintWriter out) throws Exception {
        if (variants.isEmpty()) {
            return;
        }
        EncodingBench.Report report = EncodingBench.run(pipeline, variants,
                variant -> progress.step("output encoding " + variant + ": adaptive max throughput"),
                point -> progress.done(String.format(Locale.ROOT, "%.0f bytes per record, %.1f records/s",
                        point.bytesPerRecord(), point.recordsPerS())));
        createParent(encodingsOutput);
        report.write(encodingsOutput, date, machine(), info.model());
        out.println(report.markdown());
        out.printf("Wrote %s.%n", encodingsOutput);
        out.flush();
    }

    private void sql(PipelineBench pipeline, EngineInfo info, String date, Progress progress, PrintWriter out)
            throws Exception {
        SqlBench.Report report = SqlBench.run(pipeline, inference.capacity,
                List.of(SqlBench.FLINK_DEFAULT_CONCURRENCY, inference.capacity),
                what -> progress.step(what + ": max throughput"),
                point -> progress.done(String.format(Locale.ROOT, "%.1f records/s, mean batch %.1f",
                        point.max().recordsPerS(), point.max().batches().meanBatchSize())));
        createParent(sqlOutput);
        report.write(sqlOutput, date, machine(), info.model());
        out.println(report.markdown());
        out.printf("Wrote %s.%n", sqlOutput);
        out.flush();
    }

    private int soak(PipelineBench pipeline, EngineInfo info, String date, Progress progress, PrintWriter out)
            throws Exception {
        double rate = soakRate;
        if (rate <= 0) {
            progress.step("soak: the adaptive maximum, to offer 80% of it");
            rate = 0.8 * pipeline.maxThroughput(BenchScenario.ADAPTIVE).recordsPerS();
            progress.done(String.format(Locale.ROOT, "soak rate %.1f records/s", rate));
        }
        progress.step(String.format(Locale.ROOT, "soak: %.1f records/s for %d minutes", rate, soakMinutes));
        SoakBench.Result result = new SoakBench(pipeline, SOAK_SAMPLE_EVERY, progress::detail)
                .run(rate, Duration.ofMinutes(soakMinutes));
        SoakReport report = SoakReport.of(new SoakReport.Meta(date, machine(), info.model(), info.backend(),
                soakMinutes), result);
        progress.done(report.summary());
        createParent(soakOutput);
        createParent(soakChart);
        report.write(soakOutput, soakChart);
        out.println(report.summary());
        out.printf(Locale.ROOT, "Wrote %s and %s.%n", soakOutput, soakChart);
        out.flush();
        return 0;
    }

    private List<EngineAloneBench.Point> engineAlone(EngineLease lease, EngineSpec engineSpec,
            List<DemoTexts.DemoText> texts, Progress progress) {
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
        List<Integer> sizes = new ArrayList<>(ENGINE_BATCH_SIZES.stream().filter(b -> b <= inference.shape.maxBatchSize)
                .toList());
        if (inference.shape.maxBatchSize < 64 && !sizes.contains(inference.shape.maxBatchSize)) {
            sizes.add(inference.shape.maxBatchSize);
        }
        return sizes;
    }

    private EnrichConfig template(String bootstrapServers) {
        return EnrichConfig.builder(bootstrapServers, "bench-in", "bench-out", "bench-dlq")
                .groupId("streamrt-bench")
                .parallelism(parallelism)
                .checkpointIntervalMs(1000)
                .delivery(EnrichConfig.Delivery.AT_LEAST_ONCE)
                .inference(OptionFlags.read(spec))
                .build();
    }

    private void validate() {
        CommandLine commandLine = spec.commandLine();
        inference.validate(commandLine);
        InferenceFlags.atLeast(commandLine, "--parallelism", parallelism, 1);
        InferenceFlags.atLeast(commandLine, "--static-max-delay-ms", staticMaxDelayMs, 0);
        if (records != null) {
            InferenceFlags.atLeast(commandLine, "--records", records, 1);
        }
        if (durationS != null) {
            InferenceFlags.atLeast(commandLine, "--duration-s", durationS, 1);
        }
        if (warmUpRecords != null) {
            InferenceFlags.atLeast(commandLine, "--warm-up-records", warmUpRecords, 1);
        }
        if (warmUpS != null) {
            InferenceFlags.atLeast(commandLine, "--warm-up-s", warmUpS, 0);
        }
        InferenceFlags.atLeast(commandLine, "--soak-minutes", soakMinutes, 0);
        if (soakRate < 0 || Double.isNaN(soakRate)) {
            throw new CommandLine.ParameterException(commandLine,
                    "--soak-rate must be 0 (80% of the measured maximum) or a positive rate, found " + soakRate);
        }
        for (String variant : encodings) {
            if (!variant.equals("none") && !EncodingBench.VARIANTS.contains(variant)) {
                throw new CommandLine.ParameterException(commandLine, "--encodings takes some of "
                        + String.join(", ", EncodingBench.VARIANTS) + ", or none; found '" + variant + "'");
            }
        }
        List<String> modes = new ArrayList<>();
        if (soakMinutes > 0) {
            modes.add("--soak-minutes");
        }
        if (encodingsOnly) {
            modes.add("--encodings-only");
        }
        if (latencyBoundedOnly) {
            modes.add("--latency-bounded-only");
        }
        if (stagesOnly) {
            modes.add("--stages-only");
        }
        if (sqlOnly) {
            modes.add("--sql-only");
        }
        if (modes.size() > 1) {
            throw new CommandLine.ParameterException(commandLine, "each of " + String.join(", ", modes)
                    + " runs on its own; choose one per bench run");
        }
        for (double load : loads) {
            if (!(load > 0 && load <= 2)) {
                throw new CommandLine.ParameterException(commandLine,
                        "--loads must be shares of the adaptive maximum in (0, 2], e.g. 0.3,0.6,0.9; found " + loads);
            }
        }
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

    /** Kafka's storage formatter prints to stdout and has no switch: keep the bench's output to its own lines. */
    private static <T> T quietly(Callable<T> action) throws Exception {
        PrintStream stdout = System.out;
        System.setOut(new PrintStream(OutputStream.nullOutputStream()));
        try {
            return action.call();
        } finally {
            System.setOut(stdout);
        }
    }

    private static void deleteQuietly(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // A leftover temp folder is not worth failing the benchmark for.
        }
    }

    /** One line per step on stderr, so a person sees the run moving. */
    private static final class Progress {

        private final PrintWriter err;
        private final int steps;
        private final long started = System.nanoTime();
        private int step;
        private long stepStarted;

        Progress(PrintWriter err, int steps) {
            this.err = err;
            this.steps = steps;
        }

        void step(String what) {
            step++;
            stepStarted = System.nanoTime();
            err.printf(Locale.ROOT, "[bench %2d/%d %5.0f s] %s%n", step, steps, elapsed(started), what);
            err.flush();
        }

        void detail(String what) {
            err.println("                      " + what);
            err.flush();
        }

        void done(String what) {
            err.printf(Locale.ROOT, "                      -> %s (%.1f s)%n", what, elapsed(stepStarted));
            err.flush();
        }

        private static double elapsed(long since) {
            return (System.nanoTime() - since) / 1e9;
        }
    }
}
