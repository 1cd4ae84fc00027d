package io.streamrt.operators;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamrt.engine.Setting;
import io.streamrt.engine.SettingText;
import io.streamrt.engine.task.Task;
import io.streamrt.operators.TaskOutputs.Words;
import io.streamrt.serde.EmbeddingEncoding;
import io.streamrt.serde.OutputFields;
import org.junit.jupiter.api.Test;

/** One rule for what a task gives; each surface names the fix in its own terms. */
class TaskOutputsTest {

    @Test
    void aDataStreamUserIsToldTheBuilderMethodAndAnEnrichUserTheFlag() {
        OutputFields scores = OutputFields.parse("label,scores", EmbeddingEncoding.JSON);
        assertThat(TaskOutputs.missingMessage(scores, Task.CLASSIFICATION, false, 0, Words.BUILDER))
                .endsWith("(scores needs top-k, e.g. topK(3))").doesNotContain("--");
        assertThat(TaskOutputs.missingMessage(scores, Task.CLASSIFICATION, false, 0, Words.COMMAND_LINE))
                .endsWith("(scores needs top-k, e.g. --top-k 3)");

        assertThat(TaskOutputs.labelsNeedEmbeddings("m", Task.CLASSIFICATION, "logits", Words.BUILDER))
                .contains("zero-shot labels (labels(...))").endsWith("drop the labels, or set task(Task.EMBEDDING)");
        assertThat(TaskOutputs.labelsNeedEmbeddings("m", Task.CLASSIFICATION, "logits", Words.COMMAND_LINE))
                .contains("zero-shot labels (--labels)").endsWith("drop the labels, or pass --task embedding");
    }

    @Test
    void modelAndEngineErrorsNameTheBuilderMethods() {
        SettingText.Writer builder = Words.BUILDER.options();
        assertThat(builder.set(Setting.ENGINE, "onnxruntime")).isEqualTo("engine(\"onnxruntime\")");
        assertThat(builder.set(Setting.POOLING, "mean-sqrt-len")).isEqualTo("pooling(Pooling.MEAN_SQRT_LEN)");
        assertThat(builder.set(Setting.TASK, "token-classification"))
                .isEqualTo("task(Task.TOKEN_CLASSIFICATION)");
        assertThat(builder.name(Setting.TOKENIZER)).isEqualTo("tokenizer(...)");
        assertThat(Words.COMMAND_LINE.options().set(Setting.ENGINE, "auto")).isEqualTo("--engine auto");
    }

    @Test
    void whatEachTaskGives() {
        assertThat(TaskOutputs.given(Task.EMBEDDING, true, 0)).contains("embedding", "label", "score");
        assertThat(TaskOutputs.given(Task.CLASSIFICATION, false, 3)).contains("label", "score", "scores");
        assertThat(TaskOutputs.given(Task.TOKEN_CLASSIFICATION, false, 0)).contains("entities")
                .doesNotContain("embedding");
        assertThat(TaskOutputs.labelsFit(Task.CLASSIFICATION, true)).isFalse();
        assertThat(TaskOutputs.labelsFit(Task.CLASSIFICATION, false)).isTrue();
    }
}
