package io.streamrt.engine.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamrt.engine.EncoderBatch;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Static Q/DQ INT8 on the real FP32 MiniLM, calibrated through ONNX Runtime, checked against FP32 embeddings. */
class QdqQuantizerTest {

    private static List<EncoderBatch> calibration;
    private static List<EncoderBatch> evaluation;
    private static float[][] fp32Embeddings;

    @TempDir
    Path dir;

    @BeforeAll
    static void embedWithFp32() throws Exception {
        // Calibrate on the first 24 sentences, evaluate on the other 16: disjoint, as a user's would be.
        calibration = MiniLmFixture.batches(MiniLmFixture.SENTENCES.subList(0, 24), 12);
        evaluation = MiniLmFixture.batches(MiniLmFixture.SENTENCES.subList(24, 40), 16);
        fp32Embeddings = MiniLmFixture.embed(MiniLmFixture.fp32().toByteArray(), evaluation);
    }

    private static QdqQuantizer.Result quantize(OnnxModel model) {
        QdqQuantizer quantizer = QdqQuantizer.defaults();
        List<String> activations = quantizer.activationsToCalibrate(model);
        Map<String, ActivationRange> ranges = ActivationCalibrator.calibrate(model, activations, calibration,
                ActivationCalibrator.Method.PERCENTILE, ActivationCalibrator.DEFAULT_PERCENTILE);
        return quantizer.quantize(model, ranges);
    }

    @Test
    void int8QdqMiniLmKeepsFp32EmbeddingsWithinMeanCosine098() throws Exception {
        QdqQuantizer.Result result = quantize(MiniLmFixture.fp32());

        assertThat(result.weights()).hasSize(36);
        // Per layer: the input of Q/K/V, the attention context, the FFN input and the GELU output.
        assertThat(result.activations()).hasSize(24);
        assertThat(result.skipped()).isEmpty();
        Path file = dir.resolve("qdq.onnx");
        result.model().write(file);
        OnnxModel written = OnnxModel.read(file);
        ModelReport report = written.inspect();
        assertThat(report.quantization()).isEqualTo(ModelReport.Quantization.QDQ);
        assertThat(report.opset()).isEqualTo(13);
        assertThat(report.weights()).hasSize(36).allSatisfy(w -> assertThat(w.dtype()).isEqualTo("int8"));
        // The MatMul weights shrink 4x (fp32 -> int8, plus per-channel scales); the embedding tables stay float.
        ModelReport fp32Report = MiniLmFixture.fp32().inspect();
        long fp32WeightBytes = 4 * fp32Report.weights().stream()
                .mapToLong(w -> w.shape().stream().reduce(1L, Math::multiplyExact)).sum();
        assertThat(fp32Report.parameterBytes() - report.parameterBytes())
                .isGreaterThan(fp32WeightBytes * 7 / 10);

        double[] cosines = MiniLmFixture.cosines(fp32Embeddings, MiniLmFixture.embed(written.toByteArray(), evaluation));
        assertThat(Arrays.stream(cosines).average().orElseThrow()).isGreaterThanOrEqualTo(0.98);
        assertThat(Arrays.stream(cosines).min().orElseThrow()).isGreaterThan(0.95);
    }

    @Test
    void sparseThenQuantizedKeepsTheTwoFourPatternInInt8() throws Exception {
        OnnxModel sparse = Sparsifier.defaults().sparsify(MiniLmFixture.fp32()).model();
        QdqQuantizer.Result result = quantize(sparse);

        ModelReport report = result.model().inspect();
        assertThat(report.quantization()).isEqualTo(ModelReport.Quantization.QDQ);
        assertThat(report.weights()).hasSize(36).allSatisfy(w -> assertThat(w.sparsity24()).isEqualTo(1.0));
        // Runs in ONNX Runtime.
        assertThat(MiniLmFixture.embed(result.model().toByteArray(), evaluation.subList(0, 1))).hasNumberOfRows(16);
    }

    @Test
    void keptFloatActivationsAreNotQuantized() {
        QdqQuantizer quantizer = QdqQuantizer.builder()
                .keepFloat(java.util.regex.Pattern.compile(".*intermediate_act_fn.*")).build();
        List<String> activations = quantizer.activationsToCalibrate(MiniLmFixture.fp32());
        assertThat(activations).hasSize(18).noneMatch(a -> a.contains("intermediate_act_fn"));
        Map<String, ActivationRange> ranges = new java.util.HashMap<>();
        activations.forEach(a -> ranges.put(a, ActivationRange.symmetric(4f)));
        QdqQuantizer.Result result = quantizer.quantize(MiniLmFixture.fp32(), ranges);
        assertThat(result.activations()).hasSize(18);
        assertThat(result.skipped()).hasSize(6).allSatisfy((name, reason) -> assertThat(reason).contains("kept float"));
    }

    @Test
    void anAlreadyQuantizedModelIsRefused() {
        OnnxModel dynamic = OnnxModel.read(MiniLmFixture.int8Files().onnx());
        assertThat(dynamic.inspect().quantization()).isEqualTo(ModelReport.Quantization.DYNAMIC);
        assertThatThrownBy(() -> QdqQuantizer.defaults().quantize(dynamic, Map.of()))
                .isInstanceOf(OnnxModelException.class)
                .hasMessageContaining("already quantized (dynamic)").hasMessageContaining("quantize the float");
    }
}
