package io.streamrt.engine.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.streamrt.engine.onnx.proto.Onnx.TensorProto;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** 2:4 pruning: the pattern, what is left alone, and that the result still runs. */
class SparsifierTest {

    @TempDir
    Path dir;

    @Test
    void keepsTheTwoLargestMagnitudesOfEachGroupAlongTheReductionAxis() {
        // B [K=4, N=2]: column 0 holds 1, -5, 3, 2; column 1 holds 0.1, 0.2, -0.3, 0.4.
        float[] b = {1, 0.1f, -5, 0.2f, 3, -0.3f, 2, 0.4f};
        Sparsifier.prune24(b, 4, 2, 0);
        assertThat(b).containsExactly(0, 0, -5, 0, 3, -0.3f, 0, 0.4f);
    }

    @Test
    void prunesRowsWhenTheWeightIsTransposed() {
        // Gemm with transB=1: B [N=1, K=8], groups run along the row.
        float[] b = {4, 3, 2, 1, -1, -2, -3, -4};
        Sparsifier.prune24(b, 1, 8, 1);
        assertThat(b).containsExactly(4, 3, 0, 0, 0, 0, -3, -4);
    }

    @Test
    void everyPrunedMiniLmWeightIsFullyCompliantAndEmbeddingsAreUntouched() throws Exception {
        OnnxModel dense = MiniLmFixture.fp32();
        Sparsifier.Result result = Sparsifier.defaults().sparsify(dense);

        assertThat(result.pruned()).hasSize(36);
        assertThat(result.skipped()).isEmpty();
        assertThat(result.removedMagnitude()).isBetween(0.05, 0.5);
        Path file = dir.resolve("sparse.onnx");
        result.model().write(file);
        ModelReport report = OnnxModel.read(file).inspect();
        assertThat(report.weights()).hasSize(36).allSatisfy(w -> {
            assertThat(w.sparsity24()).as(w.name()).isEqualTo(1.0);
            assertThat(w.is24Sparse()).isTrue();
        });
        assertThat(report.quantization()).isEqualTo(ModelReport.Quantization.NONE);
        assertThat(dense.inspect().weights()).allSatisfy(w -> assertThat(w.sparsity24()).isLessThan(0.5));

        Map<String, TensorProto> before = byName(dense);
        Map<String, TensorProto> after = byName(result.model());
        assertThat(after.get("embeddings.word_embeddings.weight"))
                .isEqualTo(before.get("embeddings.word_embeddings.weight"));

        // ONNX Runtime loads it and the embeddings still point roughly the same way (no fine-tuning: not close).
        var batches = MiniLmFixture.batches(MiniLmFixture.SENTENCES.subList(0, 8), 8);
        double[] cosines = MiniLmFixture.cosines(MiniLmFixture.embed(dense.toByteArray(), batches),
                MiniLmFixture.embed(result.model().toByteArray(), batches));
        assertThat(java.util.Arrays.stream(cosines).boxed().toList()).hasSize(8)
                .allSatisfy(c -> assertThat(c).isBetween(0.3, 1.0 + 1e-6));
    }

    @Test
    void smallWeightsStayDense() {
        Sparsifier.Result result = Sparsifier.builder().minDimension(1024).build().sparsify(MiniLmFixture.fp32());
        // Only the FFN matrices ([384, 1536] and [1536, 384]) have a dimension of 1024 or more... but both must be.
        assertThat(result.pruned()).isEmpty();
        assertThat(result.skipped()).hasSize(36).allSatisfy((name, reason) ->
                assertThat(reason).contains("multiples of 4 and at least 1024"));
        assertThat(result.removedMagnitude()).isCloseTo(0.0, within(0.0));
    }

    private static Map<String, TensorProto> byName(OnnxModel model) {
        return model.proto().getGraph().getInitializerList().stream()
                .collect(Collectors.toMap(TensorProto::getName, Function.identity()));
    }
}
