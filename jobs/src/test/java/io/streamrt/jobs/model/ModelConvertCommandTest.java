package io.streamrt.jobs.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamrt.engine.ModelFiles;
import io.streamrt.jobs.testing.Cli;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code model convert --fp16} as a user runs it: a float16 model, its weights in half the bytes. */
class ModelConvertCommandTest {

    @TempDir
    Path dir;

    @Test
    void convertsTheBuiltinToFloat16() {
        Path out = dir.resolve("minilm-fp16.onnx");

        Cli.Run run = ModelCli.run("model", "convert", "--fp16", ModelFiles.BUILTIN_MINILM_FP32, out.toString());

        assertThat(run.exit()).as(run.toString()).isZero();
        assertThat(run.out()).contains("Converted 101 float32 weights to float16").contains("58 nodes kept in float32")
                .contains("Wrote " + out);
        Cli.Run inspect = ModelCli.run("model", "inspect", out.toString());
        // The same parameters in half the bytes, the output still float32.
        assertThat(inspect.out()).contains("22,565,888 (43.0 MiB)").contains("last_hidden_state  float32");
    }

    @Test
    void withNothingToDoOrAnUnknownPoolingItIsAUsageError() {
        Cli.Run none = ModelCli.run("model", "convert", ModelFiles.BUILTIN_MINILM_FP32, dir.resolve("x.onnx").toString());
        Cli.Run cls = ModelCli.run("model", "convert", "--pooling", "cls", ModelFiles.BUILTIN_MINILM_FP32,
                dir.resolve("x.onnx").toString());

        assertThat(none.exit()).isEqualTo(2);
        assertThat(none.err()).contains("give --fp16, --pooling mean, or both");
        assertThat(cls.exit()).isEqualTo(2);
        assertThat(cls.err()).contains("--pooling must be mean");
    }

    @Test
    void aPooledModelIsEnrichedAsAnEmbeddingPooledByTheModel() {
        Path out = dir.resolve("minilm-pooled.onnx");

        Cli.Run run = ModelCli.run("model", "convert", "--pooling", "mean", ModelFiles.BUILTIN_MINILM_FP32,
                out.toString());

        assertThat(run.exit()).as(run.toString()).isZero();
        assertThat(run.out()).contains("Appended mean pooling and L2 normalization: output sentence_embedding");
        Cli.Run inspect = ModelCli.run("model", "inspect", out.toString());
        assertThat(inspect.out()).contains("sentence_embedding  float32 [batch_size, 384]");
    }
}
