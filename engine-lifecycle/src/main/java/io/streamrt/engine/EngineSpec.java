package io.streamrt.engine;

import java.io.Serializable;
import java.util.Map;
import java.util.Objects;

/**
 * Everything that tells one engine from another: the registry shares one engine per equal spec in a JVM.
 *
 * <pre>{@code
 * EngineSpec spec = new EngineSpec("builtin:all-minilm-l6-v2-int8", null, EngineSpec.AUTO, 0, 64, 128, 0);
 * }</pre>
 *
 * @param model {@code builtin:all-minilm-l6-v2-int8}, {@code builtin:all-minilm-l6-v2} or a path to a {@code .onnx}
 * @param tokenizer path to the model's {@code tokenizer.json}; null for a builtin model, or to look for
 *     {@code tokenizer.json} beside the {@code .onnx} file
 * @param engine the backend asked for: {@link #AUTO} (TensorRT where a GPU and TensorRT are usable, else ONNX
 *     Runtime, with one log line saying why), {@code onnxruntime}, {@code tensorrt}, or another provider's
 *     {@link EngineProvider#name()}
 * @param device GPU index (ignored on CPU)
 * @param maxBatchSize largest batch the engine must accept
 * @param maxSequenceLength longest sequence (in tokens, with special tokens) the engine must accept
 * @param threads CPU threads for a CPU backend; 0 picks the number of available processors
 * @param options backend settings by key (e.g. {@code simulated.time-scale}); empty for none
 */
public record EngineSpec(
        String model,
        String tokenizer,
        String engine,
        int device,
        int maxBatchSize,
        int maxSequenceLength,
        int threads,
        Map<String, String> options) implements Serializable {

    /** Picks the best backend that can run here. */
    public static final String AUTO = "auto";

    /** ONNX Runtime on CPU. */
    public static final String ONNXRUNTIME = "onnxruntime";

    /** TensorRT on a GPU; fails fast with a message naming what is missing. */
    public static final String TENSORRT = "tensorrt";

    /**
     * A simulated GPU: sleeps for the time NVIDIA's published TensorRT BERT-Base table gives a batch, for capacity
     * planning and for testing the scheduler; never chosen by {@link #AUTO}.
     */
    public static final String SIMULATED_GPU = "simulated-gpu";

    /** As the canonical constructor, without backend options. */
    public EngineSpec(String model, String tokenizer, String engine, int device, int maxBatchSize,
            int maxSequenceLength, int threads) {
        this(model, tokenizer, engine, device, maxBatchSize, maxSequenceLength, threads, Map.of());
    }

    public EngineSpec {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(engine, "engine");
        options = Map.copyOf(Objects.requireNonNull(options, "options"));
        if (maxBatchSize < 1) {
            throw new IllegalArgumentException("maxBatchSize must be at least 1, found " + maxBatchSize);
        }
        if (maxSequenceLength < 3) {
            throw new IllegalArgumentException(
                    "maxSequenceLength must be at least 3 (two special tokens and one word), found " + maxSequenceLength);
        }
        if (threads < 0 || device < 0) {
            throw new IllegalArgumentException("threads and device must not be negative, found " + threads + ", " + device);
        }
    }

    /** The same spec on another device. */
    public EngineSpec withDevice(int value) {
        return new EngineSpec(model, tokenizer, engine, value, maxBatchSize, maxSequenceLength, threads, options);
    }
}
