package io.streamrt.engine.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.streamrt.engine.EncoderBatch;
import io.streamrt.engine.Embeddings;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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

    private static float[][] pooledOutputs(byte[] model, List<EncoderBatch> batches) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        List<float[]> rows = new ArrayList<>();
        try (OrtSession session = env.createSession(model, new OrtSession.SessionOptions())) {
            for (EncoderBatch batch : batches) {
                long[] shape = {batch.size(), batch.sequenceLength()};
                long[] mask = new long[batch.inputIds().length];
                for (int row = 0; row < batch.size(); row++) {
                    Arrays.fill(mask, row * batch.sequenceLength(),
                            row * batch.sequenceLength() + batch.lengths()[row], 1L);
                }
                Map<String, OnnxTensor> inputs = new HashMap<>();
                inputs.put("input_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(batch.inputIds()), shape));
                inputs.put("attention_mask", OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape));
                inputs.put("token_type_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(new long[mask.length]),
                        shape));
                try (OrtSession.Result result = session.run(inputs)) {
                    FloatBuffer buffer = ((OnnxTensor) result.get(0)).getFloatBuffer();
                    int hidden = buffer.remaining() / batch.size();
                    for (int r = 0; r < batch.size(); r++) {
                        float[] row = new float[hidden];
                        buffer.get(row);
                        rows.add(row);
                    }
                } finally {
                    inputs.values().forEach(OnnxTensor::close);
                }
            }
        }
        return rows.toArray(new float[0][]);
    }
}
