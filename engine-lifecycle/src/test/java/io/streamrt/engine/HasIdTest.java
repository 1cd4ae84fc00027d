package io.streamrt.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamrt.engine.onnx.ModelReport;
import io.streamrt.engine.task.Aggregation;
import io.streamrt.engine.task.Pooling;
import io.streamrt.engine.task.Task;
import org.junit.jupiter.api.Test;

class HasIdTest {

    @Test
    void idsAreTheNamesFlagsAndConfigFilesUse() {
        assertThat(HasId.ids(Task.class)).isEqualTo("embedding, classification, token-classification");
        assertThat(Pooling.ids()).isEqualTo("cls, mean, max, mean-sqrt-len, last-token");
        assertThat(HasId.ids(Aggregation.class)).isEqualTo("simple, first, average, max");
        assertThat(HasId.ids(ModelReport.Quantization.class)).isEqualTo("none, dynamic, qdq, qoperator");
    }

    @Test
    void parseIgnoresCaseAndBlanks() {
        assertThat(Task.of(" Token-Classification ")).isEqualTo(Task.TOKEN_CLASSIFICATION);
        assertThat(Pooling.of("mean-sqrt-len")).isEqualTo(Pooling.MEAN_SQRT_LEN);
    }

    @Test
    void anUnknownIdIsNamedWithTheAcceptedOnes() {
        assertThatThrownBy(() -> Pooling.of("mean_sqrt_len"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unknown pooling 'mean_sqrt_len': expected one of cls, mean, max, mean-sqrt-len, last-token");
    }
}
