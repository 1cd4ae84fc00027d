package io.streamrt.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamrt.engine.internal.onnxruntime.OnnxRuntimeProvider;
import io.streamrt.engine.onnx.ModelSignature;
import io.streamrt.engine.task.Task;
import io.streamrt.engine.task.TaskPlan;
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
        EncoderContract.Checked checked = EncoderContract.check("m", signature, INT64);
        assertThat(checked.feedsTokenTypes()).isTrue();
        assertThat(checked.inputType("input_ids")).isEqualTo("int64");
        assertThat(EncoderContract.hiddenState("m", checked.outputs()).name()).isEqualTo("last_hidden_state");
    }

    @Test
    void aSingleOutputEngineServesLogitsThenAPooledEmbeddingThenTheHiddenState() {
        ModelSignature.Tensor hidden = new ModelSignature.Tensor("last_hidden_state", "float32", new long[] {-1, -1, 384});
        ModelSignature.Tensor pooler = new ModelSignature.Tensor("pooler_output", "float32", new long[] {-1, 384});
        ModelSignature.Tensor pooled = new ModelSignature.Tensor("sentence_embedding", "float16", new long[] {-1, 384});
        ModelSignature.Tensor logits = new ModelSignature.Tensor("logits", "float32", new long[] {-1, 3});
        ModelSignature.Tensor tags = new ModelSignature.Tensor("logits", "float16", new long[] {-1, -1, 9});

        assertThat(EncoderContract.servedOutput("m", List.of(logits))).isEqualTo(logits);
        assertThat(EncoderContract.servedOutput("m", List.of(hidden, tags))).as("a token classifier").isEqualTo(tags);
        assertThat(EncoderContract.servedOutput("m", List.of(pooled))).isEqualTo(pooled);
        assertThat(EncoderContract.servedOutput("m", List.of(hidden, pooler))).as("BERT's AutoModel export")
                .isEqualTo(hidden);
        assertThat(EncoderContract.servedOutput("m", List.of(pooled, hidden)))
                .as("sentence-transformers' export: the hidden state, pooled as its 1_Pooling says").isEqualTo(hidden);
        assertThat(EncoderContract.servedOutput("m", List.of(pooler))).as("a lone [batch, width] output")
                .isEqualTo(pooler);
        ModelSignature.Tensor other = new ModelSignature.Tensor("scores", "float32", new long[] {-1, 2});
        assertThatThrownBy(() -> EncoderContract.servedOutput("m", List.of(pooler, other)))
                .isInstanceOf(ModelRejectedException.class)
                .hasMessageStartingWith("model 'm' has no output StreamRT can serve: expected a float output [batch, "
                        + "sequence, hidden]")
                .hasMessageContaining("found [pooler_output: float32 [?, 384], scores: float32 [?, 2]]");
    }

    @Test
    void anEngineRunsAClassifiersLogitsButAnEmbeddingRefusesThemBeforeSubmission() throws Exception {
        Path logits = TestModels.classifier(dir);
        ModelFiles model = ModelFiles.resolve(logits.toString(), null);
        OnnxRuntimeProvider onnxRuntime = new OnnxRuntimeProvider();
        onnxRuntime.checkModel(model);
        EngineRegistry registry = new EngineRegistry(List.of(onnxRuntime), java.time.Duration.ZERO,
                EngineRegistry.daemonTimer());
        EngineSpec spec = new EngineSpec(logits.toString(), null, "onnxruntime", 0, 8, 32, 1);
        assertThat(registry.check(spec, TaskPlan.Choices.detect()).plan().task())
                .as("no config.json: a logits [batch, labels] output is a classifier").isEqualTo(Task.CLASSIFICATION);
        assertThatThrownBy(() -> registry.check(spec, new TaskPlan.Choices(Task.EMBEDDING, null, null)))
                .isInstanceOf(ModelRejectedException.class)
                .hasMessageStartingWith("model 'model' cannot give an embedding: expected a float output "
                        + "[batch, sequence, hidden] with a fixed hidden size (the last hidden state) or a pooled "
                        + "sentence_embedding [batch, hidden], found [logits: float32 [?, 3]]");
        try (InferenceEngine engine = onnxRuntime.create(
                new EngineSpec(logits.toString(), null, "onnxruntime", 0, 8, 32, 1), model)) {
            EncoderOutput out = engine.run(EncoderBatch.pad(List.of(new long[] {101, 7, 102}, new long[] {101, 102})));
            // The test model's "logits" are the attention mask: what the engine returns is the model's, untouched.
            assertThat(out.tensor("logits").shape()).containsExactly(2, 3);
            assertThat(out.tensor("logits").data()).containsExactly(1, 1, 1, 1, 1, 0);
        }
    }

    @Test
    void int32InputsAreFedAsInt32AndOtherTypesAreRefusedWithWhatIsAccepted() throws Exception {
        Path int32 = TestModels.write(dir, "int32", List.of(TestModels.value("input_ids", TestModels.INT32, -1, -1),
                TestModels.value("attention_mask", TestModels.INT32, -1, -1)),
                TestModels.floatValue("last_hidden_state", -1, -1, 1));
        ModelFiles model = ModelFiles.resolve(int32.toString(), null);
        OnnxRuntimeProvider onnxRuntime = new OnnxRuntimeProvider();
        onnxRuntime.checkModel(model);
        try (InferenceEngine engine = onnxRuntime.create(
                new EngineSpec(int32.toString(), null, "onnxruntime", 0, 8, 32, 1), model)) {
            assertThat(engine.run(EncoderBatch.pad(List.of(new long[] {101, 7, 102}))).tensor("last_hidden_state")
                    .data()).containsExactly(1, 1, 1);
        }
        ModelSignature bools = new ModelSignature(List.of(
                new ModelSignature.Tensor("input_ids", "int64", new long[] {-1, -1}),
                new ModelSignature.Tensor("attention_mask", "bool", new long[] {-1, -1})),
                List.of(new ModelSignature.Tensor("last_hidden_state", "float32", new long[] {-1, -1, 8})));
        assertThatThrownBy(() -> EncoderContract.check("m", bools, Set.of("int64", "int32")))
                .isInstanceOf(ModelRejectedException.class)
                .hasMessageStartingWith("model 'm' input 'attention_mask' is bool, expected int32 or int64 token ids; "
                        + "found attention_mask: bool [?, ?]");
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
