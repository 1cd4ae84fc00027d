package io.streamrt.engine.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamrt.engine.EngineException;
import io.streamrt.engine.ModelFiles;
import io.streamrt.engine.ModelRejectedException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelResolverTest {

    @TempDir
    Path dir;

    @Test
    void int8BuiltinIsExtractedWithItsTokenizer() {
        ModelFiles files = assertExtracted(ModelFiles.BUILTIN_MINILM_INT8, "all-minilm-l6-v2-int8",
                "all-minilm-l6-v2-q.onnx", "all-minilm-l6-v2-q-tokenizer.json");

        assertThat(files.onnx().getParent())
                .isEqualTo(Path.of(System.getProperty("java.io.tmpdir"), "streamrt-models", "all-minilm-l6-v2-int8"));
    }

    @Test
    void fp32BuiltinIsExtractedWithItsTokenizer() {
        assertExtracted(ModelFiles.BUILTIN_MINILM_FP32, "all-minilm-l6-v2", "all-minilm-l6-v2.onnx",
                "all-minilm-l6-v2-tokenizer.json");
    }

    /** Resolves {@code builtin} and checks its name and that its model and tokenizer files are there. */
    private static ModelFiles assertExtracted(String builtin, String name, String onnx, String tokenizer) {
        ModelFiles files = ModelFiles.resolve(builtin, null);
        assertThat(files.name()).isEqualTo(name);
        assertThat(files.onnx()).isRegularFile().hasFileName(onnx);
        assertThat(files.tokenizer()).isRegularFile().hasFileName(tokenizer);
        return files;
    }

    @Test
    void secondResolveReusesTheExtractedFiles() throws IOException {
        ModelFiles first = ModelFiles.resolve(ModelFiles.BUILTIN_MINILM_INT8, null);
        var modified = Files.getLastModifiedTime(first.onnx());

        ModelFiles second = ModelFiles.resolve(ModelFiles.BUILTIN_MINILM_INT8, null);

        assertThat(second).isEqualTo(first);
        assertThat(Files.getLastModifiedTime(second.onnx())).isEqualTo(modified);
    }

    @Test
    void unknownBuiltinListsTheAcceptedNames() {
        assertThatThrownBy(() -> ModelFiles.resolve("builtin:bert-huge", null))
                .isInstanceOf(EngineException.class)
                .hasMessageContaining("unknown builtin model 'builtin:bert-huge'")
                .hasMessageContaining("builtin:all-minilm-l6-v2-int8, builtin:all-minilm-l6-v2");
    }

    @Test
    void pathWithTokenizerBesideIt() throws IOException {
        Path onnx = Files.createFile(dir.resolve("my-encoder.onnx"));
        Path tokenizer = Files.createFile(dir.resolve("tokenizer.json"));

        ModelFiles files = ModelFiles.resolve(onnx.toString(), null);

        assertThat(files.name()).isEqualTo("my-encoder");
        assertThat(files.onnx()).isEqualTo(onnx);
        assertThat(files.tokenizer()).isEqualTo(tokenizer);
    }

    @Test
    void pathWithExplicitTokenizer() throws IOException {
        Path onnx = Files.createFile(dir.resolve("model.onnx"));
        Path tokenizer = Files.createFile(dir.resolve("vocab-tokenizer.json"));

        ModelFiles files = ModelFiles.resolve(onnx.toString(), tokenizer.toString());

        assertThat(files.name()).isEqualTo("model");
        assertThat(files.tokenizer()).isEqualTo(tokenizer);
    }

    @Test
    void missingPathSaysWhatWasLookedForAndTheFix() {
        String missing = dir.resolve("nope.onnx").toString();

        assertThatThrownBy(() -> ModelFiles.resolve(missing, null))
                .isInstanceOf(EngineException.class)
                .hasMessageContaining("model '" + missing + "' does not exist")
                .hasMessageContaining("pass a Hugging Face export directory, an .onnx file, or a builtin model "
                        + "(builtin:all-minilm-l6-v2-int8");
    }

    @Test
    void aDirectoryWithoutAModelSaysWhereItLookedAndWhatItFound() {
        assertThatThrownBy(() -> ModelFiles.resolve(dir.toString(), null))
                .isInstanceOf(ModelRejectedException.class)
                .hasMessageContaining("model directory '" + dir + "' has no ONNX model: looked for model.onnx and "
                        + "onnx/model.onnx in " + dir.toAbsolutePath().normalize() + ", found no .onnx file")
                .hasMessageContaining("optimum-cli export onnx");
    }

    @Test
    void missingTokenizerBesideTheModelSaysToPassOne() throws IOException {
        Path onnx = Files.createFile(dir.resolve("model.onnx"));

        assertThatThrownBy(() -> ModelFiles.resolve(onnx.toString(), null))
                .isInstanceOf(EngineException.class)
                .hasMessageContaining("no tokenizer given for model '" + onnx + "'")
                .hasMessageContaining("looked for " + dir.resolve("tokenizer.json"))
                .hasMessageContaining("pass tokenizer PATH");
    }

    @Test
    void missingExplicitTokenizerSaysWhatWasGiven() throws IOException {
        Path onnx = Files.createFile(dir.resolve("model.onnx"));
        String tokenizer = dir.resolve("missing.json").toString();

        assertThatThrownBy(() -> ModelFiles.resolve(onnx.toString(), tokenizer))
                .isInstanceOf(EngineException.class)
                .hasMessageContaining("tokenizer '" + tokenizer + "' for model '" + onnx + "' is not a file")
                .hasMessageContaining("pass tokenizer PATH to an existing tokenizer.json");
    }
}
