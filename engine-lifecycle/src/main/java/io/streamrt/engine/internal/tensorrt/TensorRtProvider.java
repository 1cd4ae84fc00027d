package io.streamrt.engine.internal.tensorrt;

import io.streamrt.engine.EncoderContract;
import io.streamrt.engine.EngineException;
import io.streamrt.engine.EngineProvider;
import io.streamrt.engine.EngineSpec;
import io.streamrt.engine.InferenceEngine;
import io.streamrt.engine.ModelFiles;
import io.streamrt.engine.onnx.ModelSignature;
import java.util.Set;

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

    @Override
    public int autoRank() {
        return AUTO_RANK;
    }

    @Override
    public void checkModel(ModelFiles model) {
        EncoderContract.hiddenState(model.name(),
                EncoderContract.check(model.name(), ModelSignature.read(model.onnx()), INPUT_TYPES).outputs());
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
