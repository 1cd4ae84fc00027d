package io.streamrt.jobs.model;

import io.streamrt.engine.ModelFiles;
import io.streamrt.jobs.testing.Cli;
import java.nio.file.Path;

/** The model command as a user runs it ({@link Cli}), and the builtin MiniLM models' paths. */
final class ModelCli {

    private ModelCli() {}

    static Cli.Run run(String... args) {
        return Cli.run(args);
    }

    static Path fp32() {
        return ModelFiles.resolve(ModelFiles.BUILTIN_MINILM_FP32, null).onnx();
    }

    static Path int8() {
        return ModelFiles.resolve(ModelFiles.BUILTIN_MINILM_INT8, null).onnx();
    }
}
