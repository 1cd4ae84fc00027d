package io.streamrt.engine.internal.simulated;

import io.streamrt.engine.EncoderContract;
import io.streamrt.engine.EngineInfo;
import io.streamrt.engine.EngineProvider;
import io.streamrt.engine.EngineSpec;
import io.streamrt.engine.InferenceEngine;
import io.streamrt.engine.ModelFiles;
import io.streamrt.engine.ModelRejectedException;
import io.streamrt.engine.SimulatedGpu;
import io.streamrt.engine.onnx.ModelSignature;
import io.streamrt.engine.onnx.ModelSignature.Tensor;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code --engine simulated-gpu}: a GPU-shaped cost curve without a GPU ({@link SimulatedGpuEngine}), found through
 * {@code META-INF/services}. Never chosen by {@code auto}; logs a warning when it starts.
 *
 * <pre>{@code
 * InferenceEngine engine = new SimulatedGpuProvider().create(new EngineSpec(model, null,
 *         EngineSpec.SIMULATED_GPU, 0, 64, 128, 0, SimulatedGpu.options(25, 1)), ModelFiles.resolve(model, null));
 * }</pre>
 */
public final class SimulatedGpuProvider implements EngineProvider {

    private static final Logger LOG = LoggerFactory.getLogger(SimulatedGpuProvider.class);

    @Override
    public String name() {
        return EngineSpec.SIMULATED_GPU;
    }

    @Override
    public Availability availability() {
        return Availability.yes();
    }

    /** Never chosen by {@code auto}. */
    @Override
    public int autoRank() {
        return 0;
    }

    @Override
    public void checkModel(ModelFiles model) {
        outputs(model);
    }

    /** The model's float outputs, each [batch, sequence, width] or [batch, width] with a fixed width. */
    private static List<Tensor> outputs(ModelFiles model) {
        EncoderContract.Checked checked = EncoderContract.check(model.name(), ModelSignature.read(model.onnx()),
                Set.of("int64", "int32"));
        for (Tensor output : checked.outputs()) {
            if ((output.rank() != 2 && output.rank() != 3) || output.shape()[output.rank() - 1] < 1) {
                throw new ModelRejectedException("the simulated GPU gives outputs of shape [batch, sequence, width] "
                        + "or [batch, width] with a fixed width, but model '" + model.name() + "' has " + output
                        + "; run this model on the onnxruntime engine");
            }
        }
        return checked.outputs();
    }

    @Override
    public InferenceEngine create(EngineSpec spec, ModelFiles model) {
        List<Tensor> outputs = outputs(model);
        double scale = SimulatedGpu.timeScale(spec.options());
        int streams = SimulatedGpu.streams(spec.options());
        LOG.warn("engine simulated-gpu for model {}: NOT a GPU and computes nothing. Each batch sleeps for NVIDIA's "
                + "published TensorRT BERT-Base INT8 A100 time x {} on one of {} stream(s) and returns "
                + "pseudo-outputs; for capacity planning and for testing the scheduler, never for results",
                model.name(), scale, streams);
        return new SimulatedGpuEngine(new EngineInfo(EngineSpec.SIMULATED_GPU, model.name(), "simulated",
                spec.maxBatchSize(), spec.maxSequenceLength(), outputs, streams), scale, streams, outputs);
    }
}
