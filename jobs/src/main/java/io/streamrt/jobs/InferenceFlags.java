package io.streamrt.jobs;

import io.streamrt.engine.EngineSpec;
import java.util.List;
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
                    + "onnxruntime; tensorrt (fails if not usable).")
    public String engine;

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
        List<String> engines = List.of(EngineSpec.AUTO, EngineSpec.ONNXRUNTIME, EngineSpec.TENSORRT);
        if (!engines.contains(engine)) {
            throw new CommandLine.ParameterException(commandLine, "Invalid value for option '--engine': expected one of "
                    + engines + " but was '" + engine + "'");
        }
    }

    /** Throws a usage error naming {@code flag} unless {@code value >= min}. */
    public static void atLeast(CommandLine commandLine, String flag, long value, long min) {
        if (value < min) {
            throw new CommandLine.ParameterException(commandLine, flag + " must be at least " + min + ", found " + value);
        }
    }
}
