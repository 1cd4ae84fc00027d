package io.streamrt.jobs.gpu;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The GPU acceptance run where there is no GPU (its bench steps left out: minutes each): the Q/DQ models are made,
 * every step is in the report with what it found, the GPU tests are skipped or absent, the build-engine steps fail
 * saying what is missing, and both report files are written.
 */
class GpuAcceptanceTest {

    @Test
    void theKitsEmptyFirstArgumentIsNotTakenForTheOutputFolder() {
        // ../shared/gpu-kit/pack.sh, given no arguments for the main class, writes run.sh to pass '' before the host's.
        GpuAcceptance run = GpuAcceptance.fromArguments("", "/root/out");
        assertThat(run.out()).isEqualTo(Path.of("/root/out"));
        assertThat(run.benchEngines()).containsExactly("tensorrt", "onnxruntime", "simulated-gpu");
        assertThat(GpuAcceptance.fromArguments("", "out", "onnxruntime").benchEngines()).containsExactly("onnxruntime");
        assertThat(GpuAcceptance.fromArguments("")).isNull();
    }

    @Test
    void withoutAGpuEveryStepSaysWhyAndTheReportIsWritten(@TempDir Path out) throws Exception {
        Assumptions.assumeFalse(Files.exists(Path.of("/dev/nvidia0")), "this test is for machines without a GPU");

        GpuAcceptance run = new GpuAcceptance(out, List.of(), 60);
        run.runAll();

        JsonNode report = new ObjectMapper().readTree(out.resolve("gpu-acceptance.json").toFile());
        assertThat(report.get("steps")).hasSize(9);
        // Where the host's CUDA libraries are (or that they are not), one line each.
        JsonNode libraries = report.get("steps").get(0);
        assertThat(libraries.get("name").asText()).isEqualTo("host CUDA libraries");
        assertThat(libraries.get("detail").asText().lines()).hasSize(HostCudaLibraries.NEEDED.size());
        // The models the GPU tests need are made on any machine, by the project's own tools.
        for (int i = 1; i <= 4; i++) {
            assertThat(report.get("steps").get(i).get("status").asText()).as(report.get("steps").get(i).toString())
                    .isEqualTo("passed");
        }
        assertThat(out.resolve("minilm-fp16.onnx")).isRegularFile();
        assertThat(out.resolve("minilm-qdq.onnx")).isRegularFile();
        assertThat(out.resolve("minilm-sparse-qdq.onnx")).isRegularFile();
        JsonNode tests = report.get("steps").get(5);
        assertThat(tests.get("name").asText()).startsWith("GPU tests");
        // The engine module's test classes are not on this module's test classpath: the kit packs them.
        assertThat(tests.get("status").asText()).isIn("absent", "skipped");
        for (int i = 6; i <= 7; i++) {
            JsonNode build = report.get("steps").get(i);
            assertThat(build.get("name").asText()).startsWith("build-engine");
            assertThat(build.get("status").asText()).isEqualTo("failed (exit 1)");
            assertThat(build.get("detail").asText()).contains("no TensorRT plan can be built");
        }
        // SQL plans a tensorrt model anywhere; its TaskManager (here, the local one) says TensorRT cannot run.
        JsonNode sql = report.get("steps").get(8);
        assertThat(sql.get("name").asText()).isEqualTo("sql: ML_PREDICT on tensorrt");
        assertThat(sql.get("status").asText()).isEqualTo("failed (exit 1)");
        assertThat(sql.get("detail").asText()).contains("statement 3 of 3 failed").contains("tensorrt");
        assertThat(Files.readString(out.resolve("gpu-acceptance.md"))).contains("| step | status | seconds |")
                .contains("build-engine (a build) | failed (exit 1)");
    }
}
