package io.streamrt.engine;

import java.nio.file.Path;

/**
 * A model resolved to files on local disk.
 *
 * <pre>{@code
 * ModelFiles files = ModelFiles.resolve("builtin:all-minilm-l6-v2-int8", null);
 * ModelFiles bge = ModelFiles.resolve("/models/bge-small-en-v1.5", null);   // a Hugging Face export directory
 * }</pre>
 *
 * @param name short name reported in outputs: the builtin's name, a model directory's name, or an .onnx file's name
 *     without {@code .onnx}
 * @param onnx the ONNX model file
 * @param tokenizer the Hugging Face {@code tokenizer.json} for it
 * @param root the folder holding the model's {@code config.json}, {@code modules.json} and {@code 1_Pooling/} when
 *     it has them (the export directory, or the .onnx file's folder); null for a builtin
 */
public record ModelFiles(String name, Path onnx, Path tokenizer, Path root) {

    /** How a builtin model's name starts: {@code builtin:all-minilm-l6-v2-int8}. */
    public static final String BUILTIN_PREFIX = "builtin:";

    /** The INT8 (dynamically quantized) all-MiniLM-L6-v2: the default. */
    public static final String BUILTIN_MINILM_INT8 = "builtin:all-minilm-l6-v2-int8";

    /** The FP32 all-MiniLM-L6-v2. */
    public static final String BUILTIN_MINILM_FP32 = "builtin:all-minilm-l6-v2";

    /** A model without config files of its own: a builtin, whose task and pooling StreamRT knows. */
    public boolean builtin() {
        return root == null;
    }

    /**
     * Resolves a model reference: a builtin name (extracted once per JVM from the classpath into a cache folder
     * under {@code java.io.tmpdir}), a Hugging Face export directory ({@code model.onnx} or
     * {@code onnx/model.onnx}, with {@code tokenizer.json} and the config files beside), or a path to an
     * {@code .onnx} file (tokenizer from the argument, else {@code tokenizer.json} beside it or in the folder
     * above an {@code onnx/} folder).
     *
     * @throws ModelRejectedException naming the reference, what was looked for, and the accepted forms
     */
    public static ModelFiles resolve(String model, String tokenizer) {
        return io.streamrt.engine.internal.ModelResolver.resolve(model, tokenizer);
    }
}
