package io.streamrt.engine.internal.tensorrt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.streamrt.engine.EngineException;
import io.streamrt.engine.EngineProvider;
import io.streamrt.engine.EngineSpec;
import io.streamrt.engine.ModelFiles;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/** What a user sees on a machine where TensorRT cannot run, and how each missing piece is named. */
class TensorRtProviderTest {

    @Test
    void isRegisteredAndRankedAboveOnnxRuntime() {
        List<String> names = new ArrayList<>();
        ServiceLoader.load(EngineProvider.class).forEach(p -> names.add(p.name()));
        TensorRtProvider provider = new TensorRtProvider();

        assertThat(names).contains("tensorrt", "onnxruntime");
        assertThat(provider.name()).isEqualTo(EngineSpec.TENSORRT);
        assertThat(provider.autoRank()).isEqualTo(20).isGreaterThan(10);
    }

    @Test
    void theVerdictIsTakenOnceAndKept() {
        TensorRtProvider provider = new TensorRtProvider();
        EngineProvider.Availability first = provider.availability();

        assertThat(new TensorRtProvider().availability()).isSameAs(first);
        assertThat(provider.availability()).isSameAs(first);
        if (!first.available()) {
            // The environment's fix only: the engine to use instead is named by the selector, in the user's words.
            assertThat(first.reason()).doesNotContain("--engine", "'engine'");
        }
    }

    @Test
    void withoutTheNvidiaDriverTheReasonNamesIt() {
        assumeFalse(driverLibraryPresent(), "libcuda.so.1 exists on this host: this test is for hosts without a driver");

        EngineProvider.Availability availability = new TensorRtProvider().availability();

        assertThat(availability.available()).isFalse();
        assertThat(availability.reason()).isEqualTo("the NVIDIA driver is not installed or not visible here "
                + "(libcuda.so.1 could not be loaded); install the NVIDIA driver, and in a container expose the GPU to "
                + "it (e.g. docker run --gpus all)");
    }

    @Test
    void theParsersVerdictOnAModelFileIsReadOnceUntilTheFileChanges() throws Exception {
        Path dir = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "trt-verdict");
        ModelFiles builtin = ModelFiles.resolve(ModelFiles.BUILTIN_MINILM_INT8, null);
        Path copy = Files.copy(builtin.onnx(), dir.resolve("model.onnx"));
        ModelFiles model = new ModelFiles("copy", copy, builtin.tokenizer(), null);

        int before = TensorRtProvider.inspections();
        assertThat(TensorRtProvider.modelVerdict(model).available()).isFalse();
        assertThat(TensorRtProvider.modelVerdict(model).available()).isFalse();
        assertThat(TensorRtProvider.inspections() - before).as("one read for two selections").isEqualTo(1);

        // Replaced by an FP32 model at the same path: read again, and the new verdict holds.
        Files.copy(ModelFiles.resolve(ModelFiles.BUILTIN_MINILM_FP32, null).onnx(), copy,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertThat(TensorRtProvider.modelVerdict(model).available()).isTrue();
        assertThat(TensorRtProvider.inspections() - before).isEqualTo(2);
    }

    @Test
    void aDynamicallyQuantizedModelIsNotTensorRtsEvenWhereTensorRtRuns() {
        // The default builtin: DynamicQuantizeLinear and MatMulInteger, which TensorRT's ONNX parser refuses.
        EngineProvider.Availability dynamic =
                TensorRtProvider.modelVerdict(ModelFiles.resolve(ModelFiles.BUILTIN_MINILM_INT8, null));
        assertThat(dynamic.available()).isFalse();
        assertThat(dynamic.reason()).contains("uses dynamic quantization (DynamicQuantizeLinear, MatMulInteger)")
                .contains("model quantize").contains("builtin:all-minilm-l6-v2");

        assertThat(TensorRtProvider.modelVerdict(ModelFiles.resolve(ModelFiles.BUILTIN_MINILM_FP32, null)).available())
                .as("an FP32 model is TensorRT's").isTrue();
        // Where TensorRT cannot run at all, that reason comes first.
        TensorRtProvider provider = new TensorRtProvider();
        if (!provider.availability().available()) {
            assertThat(provider.availabilityFor(ModelFiles.resolve(ModelFiles.BUILTIN_MINILM_FP32, null)))
                    .isEqualTo(provider.availability());
        }
    }

    @Test
    void creatingAnEngineWhereTensorRtCannotRunFailsWithTheReason() {
        TensorRtProvider provider = new TensorRtProvider();
        assumeFalse(provider.availability().available(), "TensorRT is usable here");
        EngineSpec spec = new EngineSpec(ModelFiles.BUILTIN_MINILM_FP32, null, EngineSpec.TENSORRT, 0, 8, 64, 1);

        assertThatThrownBy(() -> provider.create(spec, ModelFiles.resolve(spec.model(), null)))
                .isInstanceOf(EngineException.class)
                .hasMessage("TensorRT cannot run here: " + provider.availability().reason());
    }

    @Test
    void aMissingDriverIsNamedFromTheFirstLoadError() {
        UnsatisfiedLinkError first = linkError("no jnicudart in java.library.path: /usr/lib",
                "/tmp/javacpp/org/bytedeco/cuda/linux-x86_64/libjnicudart.so: "
                        + "libcuda.so.1: cannot open shared object file: No such file or directory");

        assertThat(TensorRtProbe.missingLibrary(first)).isEqualTo("libcuda.so.1");
        assertThat(TensorRtProbe.loadFailure("the CUDA runtime", first))
                .startsWith("the NVIDIA driver is not installed or not visible here (libcuda.so.1 could not be loaded)")
                .endsWith("install the NVIDIA driver, and in a container expose the GPU to it (e.g. docker run --gpus all)");
    }

    @Test
    void missingTensorRtLibrariesAreNamedWithTheLibraryPathFix() {
        UnsatisfiedLinkError nvinfer = linkError("no jninvinfer in java.library.path",
                "/cache/libjninvinfer.so: libnvinfer.so.11: cannot open shared object file: No such file or directory");
        UnsatisfiedLinkError parser = new UnsatisfiedLinkError("/cache/libjninvonnxparser.so: libnvonnxparser.so.11: "
                + "cannot open shared object file: No such file or directory");

        assertThat(TensorRtProbe.loadFailure("TensorRT", nvinfer)).isEqualTo("the TensorRT 11 libraries are not on "
                + "the library path (libnvinfer.so.11 could not be loaded); install TensorRT 11 and put its lib "
                + "directory (with libnvinfer.so.11 and libnvonnxparser.so.11) on LD_LIBRARY_PATH");
        assertThat(TensorRtProbe.loadFailure("TensorRT", parser))
                .startsWith("the TensorRT 11 libraries are not on the library path (libnvonnxparser.so.11 could not");
    }

    @Test
    void missingCudaLibrariesAreToldApartFromTensorRt() {
        // Seen here with a stub driver: the TensorRT presets load cuBLAS first.
        UnsatisfiedLinkError cublas = linkError("no jnicublas in java.library.path",
                "/cache/libjnicublas.so: libcublas.so.13: cannot open shared object file: No such file or directory");

        assertThat(TensorRtProbe.loadFailure("TensorRT", cublas))
                .startsWith("the CUDA 13 libraries TensorRT needs are not on the library path (libcublas.so.13 could")
                .contains("LD_LIBRARY_PATH");
    }

    @Test
    void aSecondTouchAfterAFailedLoadSaysToLookForTheFirstError() {
        NoClassDefFoundError later = new NoClassDefFoundError("Could not initialize class org.bytedeco.cuda.global.cudart");
        later.initCause(new ExceptionInInitializerError("Exception java.lang.UnsatisfiedLinkError: no jnicudart in "
                + "java.library.path [in thread \"main\"]"));

        assertThat(TensorRtProbe.loadFailure("the CUDA runtime", later))
                .startsWith("the CUDA runtime failed to load earlier in this JVM (java.lang.NoClassDefFoundError: "
                        + "Could not initialize class org.bytedeco.cuda.global.cudart)")
                .contains("see the TaskManager log");
    }

    @Test
    void missingPresetsAreNamedWithTheirCoordinates() {
        assertThat(TensorRtProbe.presetsMissing(new ClassNotFoundException("org.bytedeco.tensorrt.global.nvinfer")))
                .startsWith("the TensorRT backend's JavaCPP presets (org.bytedeco:javacpp, org.bytedeco:cuda, "
                        + "org.bytedeco:tensorrt, each with its linux-x86_64 jar) are not on the classpath "
                        + "(java.lang.ClassNotFoundException: org.bytedeco.tensorrt.global.nvinfer)")
                .endsWith("put them beside the StreamRT engine jar (in Flink's lib/)");
    }

    @Test
    void noGpuAndAnOldDriverAreToldApart() {
        assertThat(TensorRtProbe.deviceCountProblem(0, "cudaSuccess", 1)).isNull();
        assertThat(TensorRtProbe.deviceCountProblem(0, "cudaSuccess", 0))
                .startsWith("no GPU is visible to this process (cudaGetDeviceCount found 0 devices)")
                .contains("CUDA_VISIBLE_DEVICES");
        assertThat(TensorRtProbe.deviceCountProblem(100, "cudaErrorNoDevice", 0))
                .startsWith("no GPU is visible to this process (cudaGetDeviceCount returned cudaErrorNoDevice)");
        assertThat(TensorRtProbe.deviceCountProblem(35, "cudaErrorInsufficientDriver", 0))
                .isEqualTo("the NVIDIA driver is too old for the CUDA 13 runtime the TensorRT backend uses "
                        + "(cudaGetDeviceCount returned cudaErrorInsufficientDriver); install a driver that supports "
                        + "CUDA 13");
        assertThat(TensorRtProbe.deviceCountProblem(999, "cudaErrorUnknown", 0))
                .startsWith("the GPU could not be queried (cudaGetDeviceCount returned status 999, cudaErrorUnknown)");
    }

    @Test
    void anUnknownLoadFailureStillSaysWhatTheBackendNeeds() {
        assertThat(TensorRtProbe.loadFailure("TensorRT", new UnsatisfiedLinkError("no jninvinfer in java.library.path")))
                .isEqualTo("TensorRT could not be loaded (java.lang.UnsatisfiedLinkError: no jninvinfer in "
                        + "java.library.path); the TensorRT backend runs on linux-x86_64 with the NVIDIA driver, CUDA 13 "
                        + "and TensorRT 11 on LD_LIBRARY_PATH");
    }

    /** A JavaCPP load failure as it reaches the probe: its own message, caused by the dynamic loader's. */
    private static UnsatisfiedLinkError linkError(String message, String loaderMessage) {
        UnsatisfiedLinkError error = new UnsatisfiedLinkError(message);
        error.initCause(new UnsatisfiedLinkError(loaderMessage));
        return error;
    }

    /** The driver library where the dynamic loader would look for it. */
    private static boolean driverLibraryPresent() {
        List<String> dirs = new ArrayList<>(List.of("/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib",
                "/lib/x86_64-linux-gnu", "/usr/local/nvidia/lib64", "/usr/local/cuda/lib64", "/usr/lib/wsl/lib"));
        String ldPath = System.getenv("LD_LIBRARY_PATH");
        if (ldPath != null) {
            dirs.addAll(List.of(ldPath.split(File.pathSeparator)));
        }
        return dirs.stream().filter(d -> !d.isBlank()).anyMatch(d -> Files.exists(Path.of(d, "libcuda.so.1")));
    }

    @Test
    void offersAPooledFloat16FormOfTheDefaultBuiltinAndNothingElse() throws Exception {
        TensorRtProvider provider = new TensorRtProvider();
        ModelFiles int8 = ModelFiles.resolve(ModelFiles.BUILTIN_MINILM_INT8, null);
        ModelFiles fp32 = ModelFiles.resolve(ModelFiles.BUILTIN_MINILM_FP32, null);

        ModelFiles gpu = provider.substituteFor(int8).orElseThrow();
        assertThat(gpu.name()).isEqualTo("all-minilm-l6-v2-fp16-pooled");
        assertThat(gpu.builtin()).as("StreamRT knows its task: an embedding, pooled by the model").isTrue();
        assertThat(gpu.tokenizer()).isEqualTo(fp32.tokenizer());
        assertThat(TensorRtProvider.modelVerdict(gpu).available()).as("TensorRT's parser takes it").isTrue();
        provider.checkModel(gpu);
        assertThat(PlanKey.identify(gpu.onnx()).precision()).isEqualTo("fp16");
        assertThat(io.streamrt.engine.EncoderContract.pooledEmbedding(io.streamrt.engine.onnx.ModelSignature.read(gpu.onnx()).outputs()))
                .isNotNull();
        // The operator's task layer: an embedding the model pools, as it decides on a TaskManager.
        io.streamrt.engine.task.TaskPlan plan = io.streamrt.engine.task.TaskPlan.plan(gpu.name(),
                io.streamrt.engine.task.ModelConfig.read(gpu),
                io.streamrt.engine.onnx.ModelSignature.read(gpu.onnx()).outputs(),
                io.streamrt.engine.task.TaskPlan.Choices.detect());
        assertThat(plan.describe()).contains("pooled by the model");
        // Made once; the same bytes again (every host computes the same plan key).
        byte[] first = Files.readAllBytes(gpu.onnx());
        Files.delete(gpu.onnx());
        assertThat(Files.readAllBytes(provider.substituteFor(int8).orElseThrow().onnx())).isEqualTo(first);

        assertThat(provider.substituteFor(fp32)).isEmpty();
        // The same model file as a user's own path (no longer a builtin): never swapped.
        assertThat(provider.substituteFor(new ModelFiles("mine", int8.onnx(), int8.tokenizer(),
                int8.onnx().getParent()))).isEmpty();
    }

    @Test
    void aModelThatPoolsItselfIsTakenAndItsPooledOutputFound(@org.junit.jupiter.api.io.TempDir Path dir) {
        ModelFiles fp32 = ModelFiles.resolve(ModelFiles.BUILTIN_MINILM_FP32, null);
        Path onnx = dir.resolve("pooled.onnx");
        io.streamrt.engine.onnx.PoolingLayer.appendMean(io.streamrt.engine.onnx.OnnxModel.read(fp32.onnx()), true)
                .write(onnx);
        ModelFiles pooled = new ModelFiles("pooled", onnx, fp32.tokenizer(), dir);

        new TensorRtProvider().checkModel(pooled);
        var outputs = io.streamrt.engine.onnx.ModelSignature.read(onnx).outputs();
        assertThat(io.streamrt.engine.EncoderContract.pooledEmbedding(outputs)).isNotNull()
                .satisfies(t -> assertThat(t.toString()).isEqualTo("sentence_embedding: float32 [?, 384]"));
        assertThat(io.streamrt.engine.EncoderContract.pooledEmbedding(io.streamrt.engine.onnx.ModelSignature.read(fp32.onnx()).outputs()))
                .as("a hidden state: pooled on the host").isNull();
        TensorRtSlot.Layout layout = new TensorRtSlot.Layout(java.util.List.of("input_ids"), java.util.List.of(7),
                "sentence_embedding", false, 384, 64, 128, true);
        assertThat(layout.outputVectors(64, 128)).as("one vector per row comes back").isEqualTo(64);
        assertThatThrownBy(() -> HostTensors.checkRowOutputShape("sentence_embedding", new long[] {8, 128, 384},
                8, 384)).hasMessageContaining("expected [8, 384]");
    }

    @Test
    void aClassifierAndASentenceTransformersExportAreTakenWithTheOutputThePlanKeeps(
            @org.junit.jupiter.api.io.TempDir Path dir) {
        // Both used to be refused ("classification logits are not supported yet"), after auto had picked TensorRT.
        Path classifier = io.streamrt.engine.testing.TestModels.minilmClassifier(dir, 3);
        Path twoOutputs = io.streamrt.engine.testing.TestModels.minilmWithPooledOutput(dir);
        TensorRtProvider provider = new TensorRtProvider();
        for (Path onnx : List.of(classifier, twoOutputs)) {
            provider.checkModel(ModelFiles.resolve(onnx.toString(), null));
        }
        assertThat(io.streamrt.engine.EncoderContract.servedOutput("classifier",
                io.streamrt.engine.onnx.ModelSignature.read(classifier).outputs()))
                .hasToString("logits: float32 [?, 3]");
        assertThat(io.streamrt.engine.EncoderContract.servedOutput("two outputs",
                io.streamrt.engine.onnx.ModelSignature.read(twoOutputs).outputs()))
                .hasToString("last_hidden_state: float32 [?, ?, 384]");
        // Real models (the GPU tests compare TensorRT with ONNX Runtime on them): ONNX Runtime runs both here.
        io.streamrt.engine.EncoderBatch batch = io.streamrt.engine.EncoderBatch.pad(List.of(
                new long[] {101, 7592, 2088, 102}, new long[] {101, 2023, 2003, 1037, 3231, 102}));
        for (Path onnx : List.of(classifier, twoOutputs)) {
            ModelFiles files = ModelFiles.resolve(onnx.toString(), null);
            try (var engine = io.streamrt.engine.internal.onnxruntime.OnnxRuntimeEngine.open(new EngineSpec(
                    onnx.toString(), null, EngineSpec.ONNXRUNTIME, 0, 8, 32, 1), files)) {
                var output = engine.run(batch);
                if (onnx.equals(classifier)) {
                    assertThat(output.tensor("logits").shape()).containsExactly(2, 3);
                } else {
                    assertThat(output.tensor("last_hidden_state").shape()).containsExactly(2, 6, 384);
                    assertThat(output.tensor("sentence_embedding").shape()).containsExactly(2, 384);
                }
            }
        }
        TensorRtSlot.Layout logits = new TensorRtSlot.Layout(List.of("input_ids"), List.of(7), "logits", false, 3,
                64, 128, true);
        assertThat(logits.outputVectors(64, 128)).as("one vector of 3 logits per row comes back").isEqualTo(64);
    }

    @Test
    void aModelItsParserDoesNotTakeIsRefusedFromItsFilesAlone() {
        // What a client without a GPU checks before it submits a job for GPU TaskManagers.
        ModelFiles int8 = ModelFiles.resolve(ModelFiles.BUILTIN_MINILM_INT8, null);
        assertThatThrownBy(() -> new TensorRtProvider().checkModel(int8))
                .isInstanceOf(io.streamrt.engine.ModelRejectedException.class)
                .hasMessageStartingWith("model 'all-minilm-l6-v2-int8' uses dynamic quantization (DynamicQuantizeLinear, "
                        + "MatMulInteger), which TensorRT's ONNX parser does not take");
        new TensorRtProvider().checkModel(ModelFiles.resolve(ModelFiles.BUILTIN_MINILM_FP32, null));
    }
}
