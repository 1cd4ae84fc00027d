package io.streamrt.jobs;

import io.streamrt.engine.EngineSpec;
import io.streamrt.engine.SimulatedGpu;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * The flags that choose the model and engine and shape the batches, shared by {@code enrich} and {@code demo}
 * (a picocli mixin), with the same names, defaults and checks in both.
 *
 * <pre>{@code
 * @CommandLine.Mixin
 * InferenceFlags inference;
 * }</pre>
 */
public final class InferenceFlags {

    @Option(names = "--model", paramLabel = "MODEL", defaultValue = "builtin:all-minilm-l6-v2-int8",
            description = "builtin:all-minilm-l6-v2-int8 (default), builtin:all-minilm-l6-v2, a Hugging Face export "
                    + "directory (model.onnx or onnx/model.onnx, tokenizer.json, config files), or PATH.onnx.")
    public String model;

    @Option(names = "--tokenizer", paramLabel = "PATH",
            description = "The model's tokenizer.json. Default: the builtin model's own, or tokenizer.json beside "
                    + "the .onnx file.")
    public String tokenizer;

    @Option(names = "--engine", paramLabel = "ENGINE", defaultValue = "auto",
            description = "auto (default): TensorRT where a GPU and TensorRT are usable, else ONNX Runtime; "
                    + "onnxruntime; tensorrt (fails where the engine runs if it cannot: here under java -jar, on the "
                    + "TaskManagers on a cluster); simulated-gpu (sleeps for NVIDIA's published "
                    + "TensorRT BERT-Base A100 batch times and computes nothing: capacity planning and scheduler "
                    + "tests, never results).")
    public String engine;

    @Option(names = "--simulated-time-scale", paramLabel = "K", defaultValue = "" + SimulatedGpu.DEFAULT_TIME_SCALE,
            description = "With --engine simulated-gpu: the factor applied to the published batch times. "
                    + "Default: ${DEFAULT-VALUE} (makes the simulated engine, not this CPU, the bottleneck).")
    public double simulatedTimeScale;

    @Option(names = "--simulated-streams", paramLabel = "N", defaultValue = "" + SimulatedGpu.DEFAULT_STREAMS,
            description = "With --engine simulated-gpu: batches run at once. Default: ${DEFAULT-VALUE}.")
    public int simulatedStreams;

    @Option(names = "--max-batch-size", paramLabel = "N", defaultValue = "64",
            description = "Most records per batch. Default: ${DEFAULT-VALUE}.")
    public int maxBatchSize;

    @Option(names = "--max-sequence-length", paramLabel = "TOKENS", defaultValue = "128",
            description = "Longer texts are truncated to this many tokens. Default: ${DEFAULT-VALUE}.")
    public int maxSequenceLength;

    @Option(names = "--latency-target-ms", paramLabel = "MS", defaultValue = "100",
            description = "Target from arrival at the operator to result; batches are cut to meet it. "
                    + "Default: ${DEFAULT-VALUE}.")
    public long latencyTargetMs;

    @Option(names = "--capacity", paramLabel = "N", defaultValue = "256",
            description = "Records in flight per subtask; a full operator backpressures Kafka. Default: ${DEFAULT-VALUE}.")
    public int capacity;

    /**
     * Checks the values; the message names the flag and what it accepts.
     *
     * @throws CommandLine.ParameterException on the first bad value
     */
    public void validate(CommandLine commandLine) {
        atLeast(commandLine, "--max-batch-size", maxBatchSize, 1);
        atLeast(commandLine, "--capacity", capacity, 1);
        atLeast(commandLine, "--latency-target-ms", latencyTargetMs, 1);
        atLeast(commandLine, "--max-sequence-length", maxSequenceLength, 3);
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

    /** The engine's backend settings: the simulated GPU's time scale and streams where it is the engine. */
    public Map<String, String> engineOptions() {
        return EngineSpec.SIMULATED_GPU.equals(engine) ? SimulatedGpu.options(simulatedTimeScale, simulatedStreams)
                : Map.of();
    }

    /** Throws a usage error naming {@code flag} unless {@code value >= min}. */
    public static void atLeast(CommandLine commandLine, String flag, long value, long min) {
        if (value < min) {
            throw new CommandLine.ParameterException(commandLine, flag + " must be at least " + min + ", found " + value);
        }
    }
}
