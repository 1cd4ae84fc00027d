package io.streamrt.engine.internal.tensorrt;

import io.streamrt.engine.EncoderContract;
import io.streamrt.engine.EngineException;
import io.streamrt.engine.EngineProvider;
import io.streamrt.engine.EngineSpec;
import io.streamrt.engine.InferenceEngine;
import io.streamrt.engine.ModelFiles;
import io.streamrt.engine.ModelRejectedException;
import io.streamrt.engine.onnx.Fp16Converter;
import io.streamrt.engine.onnx.ModelReport;
import io.streamrt.engine.onnx.ModelSignature;
import io.streamrt.engine.onnx.OnnxModel;
import io.streamrt.engine.onnx.PoolingLayer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The TensorRT (GPU) backend, found through {@code META-INF/services}. Ranked above ONNX Runtime, so
 * {@code --engine auto} picks it wherever a GPU, its driver and TensorRT 11 are usable.
 *
 * <pre>{@code
 * EngineProvider trt = new TensorRtProvider();
 * if (!trt.availability().available()) System.err.println(trt.availability().reason());
 * }</pre>
 */
public final class TensorRtProvider implements EngineProvider {

    private static final Map<FileIdentity, Availability> VERDICTS = new ConcurrentHashMap<>();
    private static final AtomicInteger INSPECTIONS = new AtomicInteger();

    /** A file as it is now: a changed file (rewritten, touched) is another identity. */
    private record FileIdentity(Path path, long size, long modifiedMillis) {

        /** Null where the file cannot be read: then nothing is remembered. */
        static FileIdentity of(Path file) {
            try {
                return new FileIdentity(file.toAbsolutePath().normalize(), Files.size(file),
                        Files.getLastModifiedTime(file).toMillis());
            } catch (IOException e) {
                return null;
            }
        }
    }

    /** Above ONNX Runtime (10): a usable GPU wins. */
    static final int AUTO_RANK = 20;

    /** Token ids, masks and types TensorRT takes: int64 (kept as int64 since TensorRT 9) or int32. */
    static final Set<String> INPUT_TYPES = Set.of("int64", "int32");

    @Override
    public String name() {
        return EngineSpec.TENSORRT;
    }

    @Override
    public Availability availability() {
        return TensorRtProbe.verdict().availability();
    }

    /**
     * Not for a model TensorRT's ONNX parser does not take, even where TensorRT runs: dynamically quantized
     * (DynamicQuantizeLinear, MatMulInteger: the default builtin's kind) or QOperator models. Auto then picks ONNX
     * Runtime and says why, where before it picked TensorRT and the task failed in open() and restarted forever.
     */
    @Override
    public Availability availabilityFor(ModelFiles model) {
        Availability here = availability();
        if (!here.available()) {
            return here;
        }
        return modelVerdict(model);
    }

    /**
     * Whether TensorRT's parser takes the model's operators, from its file alone. Never throws. Remembered per file
     * (path, size, modification time): every selection asks (the submitter's check, each task's build,
     * {@code model build-engine}), and reading a large model is seconds each time.
     */
    static Availability modelVerdict(ModelFiles model) {
        FileIdentity file = FileIdentity.of(model.onnx());
        return file == null ? inspectVerdict(model) : VERDICTS.computeIfAbsent(file, f -> inspectVerdict(model));
    }

    /** Models inspected for {@link #modelVerdict} since this JVM started, for tests. */
    static int inspections() {
        return INSPECTIONS.get();
    }

    private static Availability inspectVerdict(ModelFiles model) {
        INSPECTIONS.incrementAndGet();
        ModelReport.Quantization quantization;
        try {
            quantization = OnnxModel.read(model.onnx()).inspect().quantization();
        } catch (RuntimeException e) {
            // A model the inspector cannot read (external data, say) is TensorRT's parser's to judge at open.
            return Availability.yes();
        }
        return switch (quantization) {
            case DYNAMIC, QOPERATOR -> Availability.no("model '" + model.name() + "' uses "
                    + (quantization == ModelReport.Quantization.DYNAMIC
                    ? "dynamic quantization (DynamicQuantizeLinear, MatMulInteger)"
                    : "QOperator quantization (QLinearMatMul and the like)")
                    + ", which TensorRT's ONNX parser does not take; for TensorRT use a Q/DQ model (`model quantize "
                    + "DIR OUT_DIR`) or an FP32 or FP16 one, e.g. builtin:all-minilm-l6-v2");
            default -> Availability.yes();
        };
    }

    /** The GPU form of the default builtin: its FP32 weights in float16, pooling and normalization in the network. */
    static final String GPU_DEFAULT_NAME = "all-minilm-l6-v2-fp16-pooled";

    /**
     * The default builtin (all-MiniLM-L6-v2, dynamically quantized INT8, which TensorRT's parser refuses): the same
     * model in the form TensorRT runs well, made from its FP32 builtin with the project's own model tools at first
     * use (`model convert --pooling mean --fp16`: float16, mean pooling and L2 normalization as network layers, so
     * one vector per record comes back from the GPU). Embeddings: cosine > 0.9999 to the FP32 model
     * ({@code Fp16ConverterTest}, {@code PoolingLayerTest}), mean 0.991 to the INT8 one (docs/enrich.md, "Engines").
     */
    @Override
    public Optional<ModelFiles> substituteFor(ModelFiles model) {
        if (!model.builtin()) {
            return Optional.empty();
        }
        try {
            ModelFiles int8 = ModelFiles.resolve(ModelFiles.BUILTIN_MINILM_INT8, null);
            if (!model.name().equals(int8.name()) || !model.tokenizer().equals(int8.tokenizer())) {
                return Optional.empty();
            }
            return Optional.of(gpuDefault());
        } catch (RuntimeException e) {
            // A builtin missing from this classpath, an unwritable temp folder: no substitute, and auto decides as
            // without one.
            return Optional.empty();
        }
    }

    /**
     * The pooled float16 MiniLM, written once per host under {@code java.io.tmpdir} (atomically: TaskManagers on one
     * host may race) beside the FP32 builtin's tokenizer. The conversion is deterministic, so every host writes the
     * same bytes and the plan key is the same.
     */
    static synchronized ModelFiles gpuDefault() {
        ModelFiles fp32 = ModelFiles.resolve(ModelFiles.BUILTIN_MINILM_FP32, null);
        Path dir = Path.of(System.getProperty("java.io.tmpdir"), "streamrt-models",
                GPU_DEFAULT_NAME);
        Path onnx = dir.resolve(GPU_DEFAULT_NAME + ".onnx");
        if (!Files.isRegularFile(onnx)) {
            try {
                Files.createDirectories(dir);
                Path partial = Files.createTempFile(dir, GPU_DEFAULT_NAME, ".partial");
                OnnxModel pooled = PoolingLayer.appendMean(
                        OnnxModel.read(fp32.onnx()), true);
                Fp16Converter.convert(pooled).model().write(partial);
                Files.move(partial, onnx, StandardCopyOption.ATOMIC_MOVE,
                        StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                throw new EngineException("could not write the GPU form of the default model to " + dir + ": " + e, e);
            }
        }
        return new ModelFiles(GPU_DEFAULT_NAME, onnx, fp32.tokenizer(), null);
    }

    @Override
    public int autoRank() {
        return AUTO_RANK;
    }

    /** Also the parser's verdict ({@link #modelVerdict}): where a job is submitted from a machine without a GPU. */
    @Override
    public void checkModel(ModelFiles model) {
        Availability parser = modelVerdict(model);
        if (!parser.available()) {
            throw new ModelRejectedException(parser.reason());
        }
        List<ModelSignature.Tensor> outputs =
                EncoderContract.check(model.name(), ModelSignature.read(model.onnx()), INPUT_TYPES).outputs();
        EncoderContract.servedOutput(model.name(), outputs);
    }

    @Override
    public InferenceEngine create(EngineSpec spec, ModelFiles model) {
        TensorRtProbe.Verdict verdict = TensorRtProbe.verdict();
        if (!verdict.availability().available()) {
            throw new EngineException("TensorRT cannot run here: " + verdict.availability().reason());
        }
        if (spec.device() >= verdict.deviceCount()) {
            throw new EngineException("GPU " + spec.device() + " was asked for, but this process sees "
                    + verdict.deviceCount() + " GPU(s) (0.." + (verdict.deviceCount() - 1) + "); check the Flink GPU "
                    + "resource settings and CUDA_VISIBLE_DEVICES");
        }
        return TensorRtEngine.open(spec, model, TensorRtOptions.fromSystemProperties(), verdict.tensorRtVersion());
    }
}
