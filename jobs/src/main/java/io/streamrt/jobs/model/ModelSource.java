package io.streamrt.jobs.model;

import io.streamrt.engine.ModelFiles;
import io.streamrt.engine.ModelRejectedException;
import io.streamrt.engine.onnx.OnnxModel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A model argument resolved to a file: a path to an {@code .onnx} file as given, a Hugging Face export directory
 * ({@code model.onnx} or {@code onnx/model.onnx} with {@code tokenizer.json} and the config files), or a builtin
 * model extracted to disk (which brings its own tokenizer).
 *
 * <pre>{@code
 * ModelSource source = ModelSource.of("path/to/export/");
 * OnnxModel model = source.read();
 * }</pre>
 *
 * @param reference the argument as the user wrote it, for messages
 * @param onnx the model file
 * @param ownTokenizer the builtin's or the export directory's tokenizer; null for an .onnx file
 * @param files the model as the engines resolve it (tokenizer, config files); null for a bare .onnx file without a
 *     tokenizer beside it
 * @param directory whether the argument is an export directory (tools then write a directory too)
 */
record ModelSource(String reference, Path onnx, Path ownTokenizer, ModelFiles files, boolean directory) {

    /**
     * Resolves a path, export directory or builtin name; a missing file is reported by {@link #read()}, naming it.
     *
     * @throws ModelRejectedException for a directory without a model file or tokenizer, naming what was looked for
     */
    static ModelSource of(String reference) {
        if (reference.startsWith(ModelFiles.BUILTIN_PREFIX)) {
            ModelFiles files = ModelFiles.resolve(reference, null);
            return new ModelSource(reference, files.onnx(), files.tokenizer(), files, false);
        }
        Path path = Path.of(reference);
        if (Files.isDirectory(path)) {
            ModelFiles files = ModelFiles.resolve(reference, null);
            return new ModelSource(reference, files.onnx(), files.tokenizer(), files, true);
        }
        ModelFiles files = null;
        if (Files.isRegularFile(path)) {
            try {
                files = ModelFiles.resolve(reference, null);
            } catch (ModelRejectedException e) {
                // No tokenizer with it: still a model the tools can read and write.
            }
        }
        // TokenizerChoice names a tokenizer.json beside the file as such.
        return new ModelSource(reference, path, null, files, false);
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
