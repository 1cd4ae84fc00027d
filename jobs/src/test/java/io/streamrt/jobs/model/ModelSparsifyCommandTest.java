package io.streamrt.jobs.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamrt.jobs.testing.Cli;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code model sparsify} on the real FP32 MiniLM: what it says it pruned is 2:4 sparse in the file it wrote. */
class ModelSparsifyCommandTest {

    @TempDir
    Path dir;

    @Test
    void everyPrunedWeightIsTwoFourSparseInTheWrittenModel() throws Exception {
        Path sparse = dir.resolve("sparse.onnx");

        Cli.Run run = ModelCli.run("model", "sparsify", ModelCli.fp32().toString(), sparse.toString());

        assertThat(run.exit()).as(run.toString()).isZero();
        assertThat(run.out()).contains("Pruned 36 of 36 MatMul/Gemm weights to 2:4 sparsity")
                .containsPattern("removed \\d+\\.\\d% of their squared magnitude")
                .contains("Skipped 0").contains("Wrote " + sparse);
        JsonNode report = ModelInspectCommandTest.inspectJson(sparse.toString());
        assertThat(report.get("quantization").asText()).isEqualTo("none");
        assertThat(report.get("weights")).hasSize(36)
                .allSatisfy(w -> assertThat(w.get("sparsity_2_4").asDouble()).as(w.get("name").asText())
                        .isEqualTo(1.0));
    }

    @Test
    void weightsBelowTheMinimumDimensionAreSkippedWithTheReason() {
        Path out = dir.resolve("dense.onnx");

        Cli.Run run = ModelCli.run("model", "sparsify", ModelCli.fp32().toString(), out.toString(),
                "--min-dimension", "512");

        assertThat(run.exit()).as(run.toString()).isZero();
        // 384 < 512: every weight of MiniLM has a 384 dimension.
        assertThat(run.out()).contains("Pruned 0 of 36").contains("Skipped 36:")
                .contains("shape [384, 1536]: both dimensions must be multiples of 4 and at least 512")
                .contains("Nothing was pruned");
    }

    @Test
    void aMinimumDimensionBelowOneGroupIsAUsageError() {
        Cli.Run run = ModelCli.run("model", "sparsify", "in.onnx", dir.resolve("out.onnx").toString(),
                "--min-dimension", "2");

        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("--min-dimension must be at least 4 (one group of 4), found 2");
    }
}
