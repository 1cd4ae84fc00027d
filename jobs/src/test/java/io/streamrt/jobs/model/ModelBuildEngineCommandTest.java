package io.streamrt.jobs.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamrt.engine.ModelFiles;
import io.streamrt.jobs.testing.Cli;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code model build-engine} where it cannot build: exit 1 with the reason (the machine's where TensorRT cannot run,
 * else the model's where its parser would refuse it); nothing is written to the plan cache. (Building on a GPU:
 * TensorRtEngineGpuTest and the GPU acceptance script.)
 */
class ModelBuildEngineCommandTest {

    @TempDir
    Path plans;

    @Test
    void aDynamicallyQuantizedModelIsRefusedNamingTheModel() {
        Cli.Run run = ModelCli.run("model", "build-engine", ModelFiles.BUILTIN_MINILM_INT8,
                "--plan-cache-dir", plans.toString());

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).contains("no TensorRT plan can be built for model 'all-minilm-l6-v2-int8' here: ");
        if (Files.exists(Path.of("/dev/nvidia0"))) {
            // Where TensorRT runs, the model is the reason (TensorRtProviderTest checks the verdict on any machine).
            assertThat(run.err()).contains("dynamic quantization").contains("model quantize");
        }
    }

    @Test
    void withoutAGpuOrTensorRtItSaysWhatIsMissingAndWritesNothing() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeFalse(Files.exists(Path.of("/dev/nvidia0")),
                "this test is for machines without a GPU");

        Cli.Run run = ModelCli.run("model", "build-engine", ModelFiles.BUILTIN_MINILM_FP32,
                "--plan-cache-dir", plans.toString(), "--max-batch-size", "32");

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).contains("no TensorRT plan can be built for model")
                .containsAnyOf("GPU", "CUDA", "TensorRT");
        try (var files = Files.list(plans)) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void badFlagsAreUsageErrors() {
        Cli.Run run = ModelCli.run("model", "build-engine", ModelFiles.BUILTIN_MINILM_FP32, "--streams", "0");

        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("--streams");
    }
}
