package io.streamrt.jobs.model;

import io.streamrt.engine.ModelFiles;
import io.streamrt.engine.onnx.OnnxModel;
import java.nio.file.Path;

/**
 * A model argument resolved to a file: a path to an {@code .onnx} file as given, or a builtin model extracted to
 * disk (which brings its own tokenizer).
 *
 * <pre>{@code
 * ModelSource source = ModelSource.of("builtin:all-minilm-l6-v2");
 * OnnxModel model = source.read();
 * }</pre>
 *
 * @param reference the argument as the user wrote it, for messages
 * @param onnx the model file
 * @param ownTokenizer the builtin model's tokenizer; null for a path
 */
record ModelSource(String reference, Path onnx, Path ownTokenizer) {

    private static final String BUILTIN_PREFIX = "builtin:";

    /** Resolves a path or builtin name; a missing path is reported by {@link #read()}, naming the file. */
    static ModelSource of(String reference) {
        if (reference.startsWith(BUILTIN_PREFIX)) {
            ModelFiles files = ModelFiles.resolve(reference, null);
            return new ModelSource(reference, files.onnx(), files.tokenizer());
        }
        return new ModelSource(reference, Path.of(reference), null);
    }

    /**
     * Reads and checks the model.
     *
     * @throws io.streamrt.engine.onnx.OnnxModelException naming the file if it is missing, truncated or not ONNX
     */
    OnnxModel read() {
        return OnnxModel.read(onnx);
    }
}
