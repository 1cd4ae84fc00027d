package io.streamrt.jobs.bench;

import io.streamrt.engine.EngineSpec;
import io.streamrt.jobs.InferenceFlags;
import io.streamrt.jobs.OptionFlags;
import io.streamrt.jobs.demo.SeedFlag;
import io.streamrt.jobs.enrich.EnrichConfig;
import io.streamrt.operators.InferenceOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.flink.configuration.Configuration;
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
    private static final int ENGINE_FREE_RECORDS = 300_000;
    private static final int QUICK_RECORDS = 400;
    private static final int DEFAULT_DURATION_S = 20;
    private static final int QUICK_DURATION_S = 5;
    private static final int DEFAULT_WARM_UP = 100;
    private static final int QUICK_WARM_UP = 50;
    private static final int DEFAULT_PACED_WARM_UP_S = 3;
    private static final int QUICK_PACED_WARM_UP_S = 2;

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

    @Option(names = "--long-texts-only", description = "Measure only long texts: --records generated documents "
            + "(200 by default) through the adaptive job with --long-text chunk, then each of their windows' texts as "
            + "a record of its own with truncate (the same tokens): maximum throughput and p99 at 60%% of it.")
    boolean longTextsOnly;

    @Option(names = "--long-texts-output", paramLabel = "FILE", defaultValue = "bench-long-texts.json",
            description = "Where the long-text comparison goes. Default: ${DEFAULT-VALUE}.")
    Path longTextsOutput;

    @Option(names = "--engine-free-only", description = "Measure only the record path with the engine out of the way: "
            + "a plain Flink job (Kafka, parse the JSON and add a field, Kafka) against enrich on the simulated GPU at "
            + "--simulated-time-scale (" + EngineFreeBench.TIME_SCALE + " unless given), embedding as base64-f16 "
            + "and as JSON; --records measured records (" + ENGINE_FREE_RECORDS + " by default) after "
            + "--warm-up-records (a quarter as many by default), the same input for every job, --rounds rounds after "
            + "one that warms the JVM up.")
    boolean engineFreeOnly;

    @Option(names = "--rounds", paramLabel = "N", defaultValue = "3",
            description = "Rounds of --engine-free-only, each running every job once in a rotated order, after "
                    + "an unreported warm-up round; the ratios are the median of the rounds'. Default: ${DEFAULT-VALUE}.")
    int rounds;

    @Option(names = "--engine-free-output", paramLabel = "FILE", defaultValue = "bench-engine-free.json",
            description = "Where the engine-free figures go. Default: ${DEFAULT-VALUE}.")
    Path engineFreeOutput;

    @Option(names = "--engine-free-chart", paramLabel = "FILE", defaultValue = "bench-engine-free.png",
            description = "Where the engine-free chart goes. Default: ${DEFAULT-VALUE}.")
    Path engineFreeChart;

    @Override
    public Integer call() throws Exception {
        validate();
        return new BenchRun(this, spec.commandLine()).run();
    }

    int recordCount() {
        if (engineFreeOnly && records == null) {
            return ENGINE_FREE_RECORDS;
        }
        return records != null ? records : quick ? QUICK_RECORDS : DEFAULT_RECORDS;
    }

    int windowSeconds() {
        return durationS != null ? durationS : quick ? QUICK_DURATION_S : DEFAULT_DURATION_S;
    }

    int warmUpCount() {
        return warmUpRecords != null ? warmUpRecords : quick ? QUICK_WARM_UP : DEFAULT_WARM_UP;
    }

    int pacedWarmUpSeconds() {
        return warmUpS != null ? warmUpS : quick ? QUICK_PACED_WARM_UP_S : DEFAULT_PACED_WARM_UP_S;
    }

    /** The output encodings to measure: none for {@code --encodings none}. */
    List<String> variants() {
        return encodings.contains("none") ? List.of() : encodings;
    }

    PipelineBench.Settings pipelineSettings() {
        int windowS = windowSeconds();
        return new PipelineBench.Settings(Duration.ofMillis(staticMaxDelayMs), warmUpCount(),
                Duration.ofSeconds(pacedWarmUpSeconds()), Duration.ofSeconds(windowS),
                Duration.ofSeconds(Math.max(5, windowS)), Duration.ofMinutes(5));
    }

    /** The enrich job every scenario runs, its topics and group replaced per run. */
    EnrichConfig template(String bootstrapServers) {
        Configuration inferenceOptions = OptionFlags.read(spec);
        if (engineFreeOnly) {
            inferenceOptions.set(InferenceOptions.ENGINE, EngineSpec.SIMULATED_GPU);
            if (!spec.commandLine().getParseResult().hasMatchedOption("--simulated-time-scale")) {
                inferenceOptions.set(InferenceOptions.SIMULATED_TIME_SCALE, EngineFreeBench.TIME_SCALE);
            }
        }
        return EnrichConfig.builder(bootstrapServers, "bench-in", "bench-out", "bench-dlq")
                .groupId("streamrt-bench")
                .parallelism(parallelism)
                .checkpointIntervalMs(1000)
                .delivery(EnrichConfig.Delivery.AT_LEAST_ONCE)
                .inference(inferenceOptions)
                .build();
    }

    /** --engine-free-only's warm-up records: --warm-up-records, else a quarter of the measured ones. */
    int engineFreeWarmUp() {
        return warmUpRecords != null ? warmUpRecords : Math.max(1, recordCount() / 4);
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
        if (longTextsOnly) {
            modes.add("--long-texts-only");
        }
        if (engineFreeOnly) {
            modes.add("--engine-free-only");
            InferenceFlags.atLeast(commandLine, "--rounds", rounds, 1);
            if (commandLine.getParseResult().hasMatchedOption("--engine")
                    && !EngineSpec.SIMULATED_GPU.equals(inference.engine)) {
                throw new CommandLine.ParameterException(commandLine, "--engine-free-only runs enrich on the "
                        + "simulated GPU (an engine that costs about nothing); drop --engine " + inference.engine);
            }
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
}
