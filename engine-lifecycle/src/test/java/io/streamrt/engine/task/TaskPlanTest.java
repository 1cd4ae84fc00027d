package io.streamrt.engine.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.streamrt.engine.ModelFiles;
import io.streamrt.engine.ModelRejectedException;
import io.streamrt.engine.OutputTensor;
import io.streamrt.engine.onnx.ModelSignature.Tensor;
import io.streamrt.engine.testing.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a model's config files and outputs decide, and the bad models refused with what was expected and found. */
class TaskPlanTest {

    private static final Tensor HIDDEN = new Tensor("last_hidden_state", "float32", new long[] {-1, -1, 384});
    private static final Tensor POOLED = new Tensor("sentence_embedding", "float32", new long[] {-1, 384});
    private static final Tensor LOGITS = new Tensor("logits", "float32", new long[] {-1, 3});
    private static final Tensor TAGS = new Tensor("logits", "float32", new long[] {-1, -1, 5});

    @TempDir
    Path dir;

    private static ModelConfig config(String architecture, List<String> labels, String problemType,
            Pooling pooling, boolean normalize) {
        return new ModelConfig(architecture == null ? List.of() : List.of(architecture), "bert", labels,
                problemType, pooling, normalize, List.of("config.json"));
    }

    @Test
    void anEncoderIsPooledAsItsConfigSaysAndAPooledOutputIsUsedAsIs() {
        TaskPlan cls = TaskPlan.plan("bge", config("BertModel", List.of(), "", Pooling.CLS, true), List.of(HIDDEN),
                TaskPlan.Choices.detect());
        assertThat(cls.task()).isEqualTo(Task.EMBEDDING);
        assertThat(cls.pooling()).isEqualTo(Pooling.CLS);
        assertThat(cls.normalize()).isTrue();
        assertThat(cls.describe()).contains("pooling cls (1_Pooling/config.json)")
                .contains("normalized (modules.json has a Normalize step)");

        TaskPlan defaulted = TaskPlan.plan("m", config(null, List.of(), "", null, false), List.of(HIDDEN),
                TaskPlan.Choices.detect());
        assertThat(defaulted.pooling()).isEqualTo(Pooling.MEAN);
        assertThat(defaulted.describe()).contains("pooling mean (the default: no 1_Pooling/config.json)")
                .contains("not normalized");

        TaskPlan pooled = TaskPlan.plan("st", config("BertModel", List.of(), "", Pooling.MEAN, true),
                List.of(HIDDEN, POOLED), TaskPlan.Choices.detect());
        assertThat(pooled.output()).isEqualTo("sentence_embedding");
        assertThat(pooled.pooling()).isNull();

        TaskPlan forced = TaskPlan.plan("st", config("BertModel", List.of(), "", Pooling.MEAN, true),
                List.of(HIDDEN, POOLED), new TaskPlan.Choices(null, Pooling.MAX, null));
        assertThat(forced.output()).isEqualTo("last_hidden_state");
        assertThat(forced.pooling()).isEqualTo(Pooling.MAX);
    }

    @Test
    void classifiersTakeTheirLabelsAndTheActivationTheirProblemTypeSays() {
        TaskPlan single = TaskPlan.plan("c", config("BertForSequenceClassification", List.of("neg", "neu", "pos"),
                "", null, false), List.of(LOGITS), TaskPlan.Choices.detect());
        assertThat(single.task()).isEqualTo(Task.CLASSIFICATION);
        assertThat(single.labels()).containsExactly("neg", "neu", "pos");
        assertThat(single.activation()).isEqualTo(Activation.SOFTMAX);
        assertThat(TaskPlan.plan("c", config("BertForSequenceClassification", List.of("a", "b", "c"),
                "multi_label_classification", null, false), List.of(LOGITS), TaskPlan.Choices.detect()).activation())
                .isEqualTo(Activation.SIGMOID);
        assertThat(TaskPlan.plan("c", config("BertForSequenceClassification", List.of("a", "b", "c"), "regression",
                null, false), List.of(LOGITS), TaskPlan.Choices.detect()).activation()).isEqualTo(Activation.NONE);
        TaskPlan relevance = TaskPlan.plan("ce", config("BertForSequenceClassification", List.of(), "", null, false),
                List.of(new Tensor("logits", "float32", new long[] {-1, 1})), TaskPlan.Choices.detect());
        assertThat(relevance.labels()).containsExactly("LABEL_0");
        assertThat(relevance.activation()).as("one logit: a relevance score").isEqualTo(Activation.SIGMOID);

        TaskPlan tagger = TaskPlan.plan("ner", config("BertForTokenClassification",
                List.of("O", "B-PER", "I-PER", "B-LOC", "I-LOC"), "", null, false), List.of(TAGS),
                new TaskPlan.Choices(null, null, Aggregation.MAX));
        assertThat(tagger.task()).isEqualTo(Task.TOKEN_CLASSIFICATION);
        assertThat(tagger.aggregation()).isEqualTo(Aggregation.MAX);
    }

    @Test
    void modelsThatCannotServeAreRefusedWithWhatWasExpectedAndFound() {
        assertThatThrownBy(() -> TaskPlan.plan("c", config("BertForSequenceClassification", List.of("a", "b"), "",
                null, false), List.of(LOGITS), TaskPlan.Choices.detect()))
                .isInstanceOf(ModelRejectedException.class)
                .hasMessageContaining("has 2 labels in config.json's id2label [a, b] but its logits have 3");
        assertThatThrownBy(() -> TaskPlan.plan("llm", config("LlamaForCausalLM", List.of(), "", null, false),
                List.of(new Tensor("logits", "float32", new long[] {-1, -1, 32000})), TaskPlan.Choices.detect()))
                .hasMessageContaining("is a LlamaForCausalLM, a decoder-only language model");
        assertThatThrownBy(() -> TaskPlan.plan("t5", config("T5ForConditionalGeneration", List.of(), "", null,
                false), List.of(HIDDEN), TaskPlan.Choices.detect()))
                .hasMessageContaining("a sequence-to-sequence model");
        assertThatThrownBy(() -> TaskPlan.plan("enc", config("BertModel", List.of(), "", null, false),
                List.of(HIDDEN), new TaskPlan.Choices(Task.CLASSIFICATION, null, null)))
                .hasMessageContaining("cannot classify: expected a float output logits [batch, labels]")
                .hasMessageContaining("found [last_hidden_state: float32 [?, ?, 384]]");
    }

    @Test
    void configFilesAreReadFromAnExportDirectoryAndBadOnesNamed() throws Exception {
        Path onnx = TestModels.write(dir, "bge", List.of(TestModels.int64("input_ids"),
                TestModels.int64("attention_mask")), TestModels.floatValue("last_hidden_state", -1, -1, 1));
        Path root = onnx.getParent();
        Files.writeString(root.resolve("config.json"), "{\"architectures\": [\"BertModel\"], \"model_type\": \"bert\"}");
        Files.writeString(root.resolve("modules.json"), "[{\"path\": \"1_Pooling\", \"type\": "
                + "\"sentence_transformers.models.Pooling\"}, {\"path\": \"2_Normalize\", \"type\": "
                + "\"sentence_transformers.models.Normalize\"}]");
        Files.createDirectories(root.resolve("1_Pooling"));
        Files.writeString(root.resolve("1_Pooling/config.json"), "{\"pooling_mode_cls_token\": true, "
                + "\"pooling_mode_mean_tokens\": false}");
        ModelConfig config = ModelConfig.read(ModelFiles.resolve(root.toString(), null));
        assertThat(config.pooling()).isEqualTo(Pooling.CLS);
        assertThat(config.normalize()).isTrue();
        assertThat(config.files()).containsExactly("config.json", "modules.json", "1_Pooling/config.json");

        Files.writeString(root.resolve("1_Pooling/config.json"), "{\"pooling_mode_weightedmean_tokens\": true}");
        assertThatThrownBy(() -> ModelConfig.read(ModelFiles.resolve(root.toString(), null)))
                .isInstanceOf(ModelRejectedException.class)
                .hasMessageContaining("turns on [pooling_mode_weightedmean_tokens], a pooling StreamRT does not know");
        Files.writeString(root.resolve("1_Pooling/config.json"), "{\"pooling_mode_cls_token\": true, "
                + "\"pooling_mode_mean_tokens\": true}");
        assertThatThrownBy(() -> ModelConfig.read(ModelFiles.resolve(root.toString(), null)))
                .hasMessageContaining("turns on 2 poolings [CLS, MEAN]: expected exactly one");
        Files.writeString(root.resolve("config.json"), "{not json");
        assertThatThrownBy(() -> ModelConfig.read(ModelFiles.resolve(root.toString(), null)))
                .hasMessageContaining(root.resolve("config.json") + " is not valid JSON");
    }

    @Test
    void poolingsPoolOnlyTheRealTokens() {
        // Two rows of 3 tokens, hidden 2; the second row has 2 real tokens.
        OutputTensor hidden = new OutputTensor("h", new long[] {2, 3, 2},
                new float[] {1, 2, 3, 4, 5, 6, 1, 1, 3, -1, 99, 99});
        assertThat(Pooling.CLS.pool(hidden, 1, 2)).containsExactly(1, 1);
        assertThat(Pooling.MEAN.pool(hidden, 1, 2)).containsExactly(2, 0);
        assertThat(Pooling.MAX.pool(hidden, 1, 2)).containsExactly(3, 1);
        assertThat(Pooling.LAST_TOKEN.pool(hidden, 1, 2)).containsExactly(3, -1);
        assertThat(Pooling.MEAN_SQRT_LEN.pool(hidden, 0, 3)[0]).isCloseTo((float) (9 / Math.sqrt(3)), within(1e-5f));
    }
}
