package io.streamrt.engine.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamrt.engine.EncoderBatch;
import io.streamrt.engine.Embeddings;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Mean pooling as graph nodes, on the real MiniLM: ONNX Runtime's pooled output against StreamRT's Java pooling. */
class PoolingLayerTest {

    @Test
    void thePooledOutputIsTheMaskedMeanOfTheHiddenStateNormalized() throws Exception {
        OnnxModel fp32 = MiniLmFixture.fp32();
        OnnxModel pooled = PoolingLayer.appendMean(fp32, true);

        assertThat(pooled.proto().getGraph().getOutputList()).extracting(o -> o.getName())
                .containsExactly(PoolingLayer.OUTPUT);
        // Batches with padding: the mask must keep it out of the mean.
        List<EncoderBatch> batches = MiniLmFixture.batches(MiniLmFixture.SENTENCES, 16);
        float[][] expected = MiniLmFixture.embed(fp32.toByteArray(), batches);
        float[][] actual = pooledOutputs(pooled.toByteArray(), batches);
        double lowest = 1;
        for (int i = 0; i < expected.length; i++) {
            lowest = Math.min(lowest, Embeddings.cosine(expected[i], actual[i]));
            double norm = 0;
            for (float v : actual[i]) {
                norm += v * v;
            }
            assertThat(Math.sqrt(norm)).isCloseTo(1.0, org.assertj.core.api.Assertions.within(1e-4));
        }
        assertThat(lowest).isGreaterThan(0.99999);
        // Pooling first, then float16: the pooled model converts too.
        assertThat(Fp16Converter.convert(pooled).model().proto().getGraph().getOutput(0).getName())
                .isEqualTo(PoolingLayer.OUTPUT);
    }

    @Test
    void aModelThatIsAlreadyPooledIsRefused() {
        OnnxModel pooled = PoolingLayer.appendMean(MiniLmFixture.fp32(), false);
        assertThatThrownBy(() -> PoolingLayer.appendMean(pooled, true))
                .hasMessageContaining("already has a sentence_embedding output");
    }

    /** Each row of each batch's [batch, hidden] output. */
    private static float[][] pooledOutputs(byte[] model, List<EncoderBatch> batches) throws Exception {
        List<float[]> rows = new ArrayList<>();
        List<float[]> outputs = MiniLmFixture.firstOutputs(model, batches);
        for (int b = 0; b < batches.size(); b++) {
            int rowsInBatch = batches.get(b).size();
            int hidden = outputs.get(b).length / rowsInBatch;
            for (int r = 0; r < rowsInBatch; r++) {
                rows.add(Arrays.copyOfRange(outputs.get(b), r * hidden, (r + 1) * hidden));
            }
        }
        return rows.toArray(new float[0][]);
    }
}
