package io.streamrt.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class EmbeddingsTest {

    @Test
    void cosineIsOneForTheSameDirectionZeroForOrthogonalMinusOneForOpposite() {
        assertThat(Embeddings.cosine(new float[] {1, 2, 3}, new float[] {2, 4, 6})).isCloseTo(1.0, within(1e-12));
        assertThat(Embeddings.cosine(new float[] {1, 0}, new float[] {0, 5})).isZero();
        assertThat(Embeddings.cosine(new float[] {1, 1}, new float[] {-1, -1})).isCloseTo(-1.0, within(1e-12));
    }

    @Test
    void anAllZeroVectorHasNoDirectionSoItsCosineIsZero() {
        assertThat(Embeddings.cosine(new float[] {0, 0}, new float[] {1, 2})).isZero();
    }

    @Test
    void vectorsOfDifferentLengthsAreRejectedWithBothLengths() {
        assertThatThrownBy(() -> Embeddings.cosine(new float[384], new float[768]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("384 and 768");
    }
}
