package io.streamrt.engine;

import java.nio.file.Path;

/**
 * A model resolved to files on local disk.
 *
 * <pre>{@code
 * ModelFiles files = ModelFiles.resolve("builtin:all-minilm-l6-v2-int8", null);
 * }</pre>
 *
 * @param name short name reported in outputs, e.g. {@code all-minilm-l6-v2-int8} or the file name without
 *     {@code .onnx}
 * @param onnx the ONNX model file
 * @param tokenizer the HuggingFace {@code tokenizer.json} for it
 */
public record ModelFiles(String name, Path onnx, Path tokenizer) {

    /** The INT8 (dynamically quantized) all-MiniLM-L6-v2: the default. */
    public static final String BUILTIN_MINILM_INT8 = "builtin:all-minilm-l6-v2-int8";

    /** The FP32 all-MiniLM-L6-v2. */
    public static final String BUILTIN_MINILM_FP32 = "builtin:all-minilm-l6-v2";

    /**
     * Resolves a model reference: a builtin name (extracted once per JVM from the classpath into a cache folder
     * under {@code java.io.tmpdir}) or a path to an {@code .onnx} file (tokenizer from the argument, else
     * {@code tokenizer.json} beside it).
     *
     * @throws EngineException naming the reference, what was looked for, and the accepted builtin names
     */
    public static ModelFiles resolve(String model, String tokenizer) {
        return io.streamrt.engine.internal.ModelResolver.resolve(model, tokenizer);
    }
}
