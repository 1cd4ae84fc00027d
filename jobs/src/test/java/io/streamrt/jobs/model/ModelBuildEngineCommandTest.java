package io.streamrt.jobs.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamrt.engine.EngineException;
import io.streamrt.engine.EngineProvider;
import io.streamrt.engine.EngineSpec;
import io.streamrt.engine.InferenceEngine;
import io.streamrt.engine.ModelFiles;
import io.streamrt.jobs.testing.Cli;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code model build-engine} where it cannot build: exit 1 with the reason (the machine's where TensorRT cannot run,
 * else the model's where its parser would refuse it); nothing is written to the plan cache. Which model's plan it
 * builds for the default builtin. (Building on a GPU: TensorRtEngineGpuTest and the GPU acceptance script.)
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
    }

    @Test
    void whereTensorRtRunsTheDefaultBuiltinsPlanIsTheOneAutoRunsInItsPlace() {
        // The decision, with a TensorRT that runs here but not the dynamically quantized builtin (as on a GPU host).
        ModelFiles int8 = ModelFiles.resolve(ModelFiles.BUILTIN_MINILM_INT8, null);
        ModelFiles fp32 = ModelFiles.resolve(ModelFiles.BUILTIN_MINILM_FP32, null);
        ModelFiles gpuForm = new ModelFiles("all-minilm-l6-v2-fp16-pooled", fp32.onnx(), fp32.tokenizer(), null);
        EngineProvider tensorRt = new EngineProvider() {
            @Override
            public String name() {
                return "tensorrt";
            }

            @Override
            public Availability availability() {
                return Availability.yes();
            }

            @Override
            public Availability availabilityFor(ModelFiles model) {
                return model.onnx().equals(int8.onnx())
                        ? Availability.no("model 'all-minilm-l6-v2-int8' uses dynamic quantization") : Availability.yes();
            }

            @Override
            public Optional<ModelFiles> substituteFor(ModelFiles model) {
                return model.builtin() && model.onnx().equals(int8.onnx()) ? Optional.of(gpuForm) : Optional.empty();
            }

            @Override
            public int autoRank() {
                return 20;
            }

            @Override
            public InferenceEngine create(EngineSpec spec, ModelFiles model) {
                throw new AssertionError("not built here");
            }
        };
        StringWriter out = new StringWriter();

        assertThat(BuildEngineCommand.planModel(tensorRt, fp32, new PrintWriter(out))).isSameAs(fp32);
        assertThat(out.toString()).isEmpty();
        assertThat(BuildEngineCommand.planModel(tensorRt, int8, new PrintWriter(out))).isSameAs(gpuForm);
        assertThat(out.toString()).isEqualTo("all-minilm-l6-v2-int8: TensorRT does not run it (model "
                + "'all-minilm-l6-v2-int8' uses dynamic quantization); --engine auto runs all-minilm-l6-v2-fp16-pooled "
                + "on TensorRT in its place, so its plan is built (--engine tensorrt refuses all-minilm-l6-v2-int8)"
                + System.lineSeparator());
        ModelFiles own = new ModelFiles("mine", int8.onnx(), int8.tokenizer(), int8.onnx().getParent());
        assertThatThrownBy(() -> BuildEngineCommand.planModel(tensorRt, own, new PrintWriter(out)))
                .isInstanceOf(EngineException.class)
                .hasMessage("no TensorRT plan can be built for model 'mine' here: model 'all-minilm-l6-v2-int8' uses "
                        + "dynamic quantization");
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
