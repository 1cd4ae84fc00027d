package io.streamrt.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamrt.engine.internal.onnxruntime.OnnxRuntimeProvider;
import io.streamrt.engine.onnx.ModelSignature;
import io.streamrt.engine.testing.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The encoder contract, checked from the file where a job is submitted and by ONNX Runtime when it opens the model:
 * the same verdict and the same words, what was expected and what was found.
 */
class EncoderContractTest {

    private static final Set<String> INT64 = Set.of("int64");

    @TempDir
    Path dir;

    @Test
    void theBuiltinModelsSignatureIsReadWithoutLoadingItsWeights() {
        ModelFiles builtin = ModelFiles.resolve(ModelFiles.BUILTIN_MINILM_INT8, null);
        ModelSignature signature = ModelSignature.read(builtin.onnx());
        assertThat(signature.inputs()).extracting(ModelSignature.Tensor::toString).containsExactly(
                "input_ids: int64 [?, ?]", "attention_mask: int64 [?, ?]", "token_type_ids: int64 [?, ?]");
        assertThat(signature.outputs()).extracting(ModelSignature.Tensor::toString)
                .containsExactly("last_hidden_state: float32 [?, ?, 384]");
        assertThat(EncoderContract.check("m", signature, INT64))
                .isEqualTo(new EncoderContract.Checked("last_hidden_state", 384, true));
    }

    @Test
    void aClassifiersLogitsAreRejectedBeforeSubmissionAndAtOpenWithTheSameWords() throws Exception {
        Path logits = TestModels.classifier(dir);
        ModelFiles model = ModelFiles.resolve(logits.toString(), null);
        String expected = "model 'model' has no output StreamRT can read: expected a float output [batch, "
                + "sequence, hidden] with a fixed hidden size (the last hidden state), found [logits: float32 [?, 3]]";

        OnnxRuntimeProvider onnxRuntime = new OnnxRuntimeProvider();
        assertThatThrownBy(() -> onnxRuntime.checkModel(model)).isInstanceOf(ModelRejectedException.class)
                .hasMessageStartingWith(expected);
        assertThatThrownBy(() -> onnxRuntime.create(new EngineSpec(logits.toString(), null, "onnxruntime", 0, 8, 32, 1),
                model)).isInstanceOf(ModelRejectedException.class).hasMessageStartingWith(expected);
    }

    @Test
    void int32InputsAreNamedWithWhatThisBackendFeeds() throws Exception {
        Path int32 = TestModels.write(dir, "int32", List.of(TestModels.value("input_ids", TestModels.INT32, -1, -1),
                TestModels.value("attention_mask", TestModels.INT32, -1, -1)),
                TestModels.floatValue("last_hidden_state", -1, -1, 8));
        ModelFiles model = ModelFiles.resolve(int32.toString(), null);
        String expected = "model 'model' input 'input_ids' is int32, expected int64 token ids; found "
                + "input_ids: int32 [?, ?]";
        OnnxRuntimeProvider onnxRuntime = new OnnxRuntimeProvider();
        assertThatThrownBy(() -> onnxRuntime.checkModel(model)).hasMessageStartingWith(expected);
        assertThatThrownBy(() -> onnxRuntime.create(new EngineSpec(int32.toString(), null, "onnxruntime", 0, 8, 32, 1),
                model)).isInstanceOf(ModelRejectedException.class).hasMessageStartingWith(expected);
        // TensorRT takes int32 token ids as they are.
        assertThat(EncoderContract.check("model", ModelSignature.read(int32), Set.of("int64", "int32")).output())
                .isEqualTo("last_hidden_state");
    }

    @Test
    void missingOrExtraInputsAreListed() {
        ModelSignature extra = new ModelSignature(List.of(
                new ModelSignature.Tensor("input_ids", "int64", new long[] {-1, -1}),
                new ModelSignature.Tensor("attention_mask", "int64", new long[] {-1, -1}),
                new ModelSignature.Tensor("position_ids", "int64", new long[] {-1, -1})),
                List.of(new ModelSignature.Tensor("last_hidden_state", "float32", new long[] {-1, -1, 8})));
        assertThatThrownBy(() -> EncoderContract.check("m", extra, INT64)).isInstanceOf(ModelRejectedException.class)
                .hasMessageStartingWith("model 'm' has the wrong inputs: expected 'input_ids' and 'attention_mask' (and "
                        + "optionally 'token_type_ids') and no others, found [input_ids: int64 [?, ?], attention_mask: "
                        + "int64 [?, ?], position_ids: int64 [?, ?]]");
    }

    @Test
    void aFileThatIsNotAModelIsNamed() throws Exception {
        Path text = Files.writeString(dir.resolve("notes.onnx"), "not a model at all");
        assertThatThrownBy(() -> ModelSignature.read(text)).isInstanceOf(ModelRejectedException.class)
                .hasMessageContaining(text.toString());
        assertThatThrownBy(() -> ModelSignature.read(dir.resolve("missing.onnx")))
                .isInstanceOf(ModelRejectedException.class).hasMessageContaining("does not exist");
    }
}
