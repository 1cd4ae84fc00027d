package io.streamrt.jobs.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.streamrt.engine.Embeddings;
import org.junit.jupiter.api.Test;

/** The figures {@code model evaluate} prints, on embeddings small enough to check by hand. */
class ModelEmbeddingAgreementTest {

    @Test
    void cosinesAndNearestNeighbourAgreementAreCountedPerText() {
        // Under A, texts 0 and 1 are each other's nearest, as are 2 and 3.
        float[][] a = {{1, 0, 0}, {0.9f, 0.1f, 0}, {0, 1, 0}, {0, 0.9f, 0.1f}};
        // Under B, text 3 has moved next to text 0: 0 and 3 become each other's nearest, 2's nearest is now 1;
        // only text 1 keeps its neighbour (0).
        float[][] b = {{1, 0, 0}, {0.9f, 0.1f, 0}, {0, 1, 0}, {1, -0.05f, 0}};

        EmbeddingAgreement agreement = EmbeddingAgreement.of(a, b);

        assertThat(agreement.texts()).isEqualTo(4);
        assertThat(agreement.top1Agreeing()).isEqualTo(1);
        assertThat(agreement.top1Agreement()).isEqualTo(0.25);
        assertThat(agreement.minIndex()).isEqualTo(3);
        assertThat(agreement.minCosine()).isCloseTo(Embeddings.cosine(a[3], b[3]), within(1e-12));
        assertThat(agreement.meanCosine()).isCloseTo((3 + agreement.minCosine()) / 4, within(1e-9));
    }

    @Test
    void embeddingsOfDifferentWidthsAreRefused() {
        assertThatThrownBy(() -> EmbeddingAgreement.of(new float[][] {{1, 0}, {0, 1}},
                new float[][] {{1, 0, 0}, {0, 1, 0}}))
                .hasMessageContaining("A gives 2 dimensions, B 3");
    }
}
