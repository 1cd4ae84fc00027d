package io.streamrt.jobs;

import io.streamrt.engine.EngineSpec;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The flags that choose the model and engine and shape the batches, shared by {@code enrich}, {@code demo} and
 * {@code bench} (a picocli mixin), with the same names and checks in all; their defaults and descriptions are the
 * {@link io.streamrt.operators.InferenceOptions}' ({@link OptionFlags}, the commands' model transformer). Its
 * {@link Tokenizer} and {@link Shape} are mixins of their own for {@code model build-engine}, which builds the plan
 * the job will load and so takes the same flags.
 *
 * <pre>{@code
 * @CommandLine.Mixin
 * InferenceFlags inference;
 * }</pre>
 */
public final class InferenceFlags {

    @Option(names = "--model", paramLabel = "MODEL")
    public String model;

    @Mixin
    public Tokenizer tokenizer;

    @Option(names = "--engine", paramLabel = "ENGINE")
    public String engine;

    @Option(names = "--simulated-time-scale", paramLabel = "K")
    public double simulatedTimeScale;

    @Option(names = "--simulated-streams", paramLabel = "N")
    public int simulatedStreams;

    @Mixin
    public Shape shape;

    @Option(names = "--latency-target-ms", paramLabel = "MS")
    public long latencyTargetMs;

    @Option(names = "--capacity", paramLabel = "N")
    public int capacity;

    /**
     * Checks the values: the operator options' by the operator's own rules ({@link OptionFlags#check}), the engine and
     * the simulated engine's here; the message names the flag and what it accepts.
     *
     * @throws CommandLine.ParameterException on the first bad value
     */
    public void validate(CommandLine commandLine) {
        OptionFlags.check(commandLine);
        List<String> engines = List.of(EngineSpec.AUTO, EngineSpec.ONNXRUNTIME, EngineSpec.TENSORRT,
                EngineSpec.SIMULATED_GPU);
        if (!(simulatedTimeScale > 0) || Double.isInfinite(simulatedTimeScale)) {
            throw new CommandLine.ParameterException(commandLine, "--simulated-time-scale must be a positive number, "
                    + "found " + simulatedTimeScale);
        }
        atLeast(commandLine, "--simulated-streams", simulatedStreams, 1);
        if (simulatedStreams > 64) {
            throw new CommandLine.ParameterException(commandLine, "--simulated-streams must be at most 64, found "
                    + simulatedStreams);
        }
        if (!engines.contains(engine)) {
            throw new CommandLine.ParameterException(commandLine, "Invalid value for option '--engine': expected one of "
                    + engines + " but was '" + engine + "'");
        }
    }

    /** {@code --tokenizer}: the model's tokenizer. */
    public static final class Tokenizer {

        @Option(names = "--tokenizer", paramLabel = "PATH")
        public String path;
    }

    /** {@code --max-batch-size} and {@code --max-sequence-length}: the largest input the engine is built for. */
    public static final class Shape {

        @Option(names = "--max-batch-size", paramLabel = "N")
        public int maxBatchSize;

        @Option(names = "--max-sequence-length", paramLabel = "TOKENS")
        public int maxSequenceLength;

        /** Checks both values by the operator's rules; the message names the flag and what it accepts. */
        public void validate(CommandLine commandLine) {
            OptionFlags.check(commandLine);
        }
    }

    /** Throws a usage error naming {@code flag} unless {@code value >= min}. */
    public static void atLeast(CommandLine commandLine, String flag, long value, long min) {
        if (value < min) {
            throw new CommandLine.ParameterException(commandLine, flag + " must be at least " + min + ", found " + value);
        }
    }
}
