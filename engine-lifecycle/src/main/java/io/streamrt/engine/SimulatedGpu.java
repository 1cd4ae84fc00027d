package io.streamrt.engine;

import java.util.Map;

/**
 * The settings of {@code --engine simulated-gpu}, as {@link EngineSpec#options()} carries them: an engine that sleeps
 * for NVIDIA's published TensorRT BERT-Base INT8 A100 batch times (times a scale) and computes nothing, for capacity
 * planning and for testing the scheduler on a GPU-shaped cost curve. Never chosen by {@code auto}.
 *
 * <pre>{@code
 * EngineSpec spec = new EngineSpec(model, null, EngineSpec.SIMULATED_GPU, 0, 64, 128, 0,
 *         SimulatedGpu.options(25, 1));
 * }</pre>
 */
public final class SimulatedGpu {

    /** Option key: the factor applied to the published times. */
    public static final String TIME_SCALE = "simulated.time-scale";

    /** Option key: how many batches run at once. */
    public static final String STREAMS = "simulated.streams";

    /**
     * The default time scale: on the 2-core development machine it makes the simulated engine, not the CPU pipeline
     * around it, the bottleneck (README, "A simulated GPU", has the measurement).
     */
    public static final double DEFAULT_TIME_SCALE = 60;

    /** One stream: batches run one after another, as on one CUDA stream. */
    public static final int DEFAULT_STREAMS = 1;

    private SimulatedGpu() {}

    /** The spec options for a time scale and a number of streams. */
    public static Map<String, String> options(double timeScale, int streams) {
        return Map.of(TIME_SCALE, Double.toString(timeScale), STREAMS, Integer.toString(streams));
    }
}
