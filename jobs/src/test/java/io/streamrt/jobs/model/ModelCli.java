package io.streamrt.jobs.model;

import io.streamrt.engine.ModelFiles;
import io.streamrt.jobs.StreamRtCli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Runs the command line as a user does, capturing what it prints; the builtin MiniLM models' paths. */
final class ModelCli {

    /** What one run gave: the exit code and what went to stdout and stderr. */
    record Run(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
        }
    }

    private ModelCli() {}

    static synchronized Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        PrintStream stderr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        int exit;
        try {
            exit = StreamRtCli.execute(args);
        } finally {
            System.setOut(stdout);
            System.setErr(stderr);
        }
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static Path fp32() {
        return ModelFiles.resolve(ModelFiles.BUILTIN_MINILM_FP32, null).onnx();
    }

    static Path int8() {
        return ModelFiles.resolve(ModelFiles.BUILTIN_MINILM_INT8, null).onnx();
    }
}
