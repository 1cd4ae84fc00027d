package io.streamrt.engine;

import io.streamrt.engine.internal.simulated.GpuCostModel;
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
     * around it, the bottleneck (docs/benchmarks.md, "A simulated GPU", has the measurement).
     */
    public static final double DEFAULT_TIME_SCALE = 60;

    /** One stream: batches run one after another, as on one CUDA stream. */
    public static final int DEFAULT_STREAMS = 1;

    private SimulatedGpu() {}

    /**
     * The spec options for a time scale and a number of streams.
     *
     * @throws IllegalArgumentException for a time scale that is not a positive number, or streams outside 1..64
     */
    public static Map<String, String> options(double timeScale, int streams) {
        checkTimeScale(timeScale);
        checkStreams(streams);
        return Map.of(TIME_SCALE, Double.toString(timeScale), STREAMS, Integer.toString(streams));
    }

    /** The time scale {@code options} give ({@link #DEFAULT_TIME_SCALE} where absent), checked. */
    public static double timeScale(Map<String, String> options) {
        return checkTimeScale(parse(options, TIME_SCALE, DEFAULT_TIME_SCALE));
    }

    /** The streams {@code options} give ({@link #DEFAULT_STREAMS} where absent), checked. */
    public static int streams(Map<String, String> options) {
        double streams = parse(options, STREAMS, DEFAULT_STREAMS);
        if (streams != Math.rint(streams)) {
            throw new IllegalArgumentException("simulated streams must be a whole number in 1..64, found "
                    + options.get(STREAMS));
        }
        return checkStreams((int) streams);
    }

    /**
     * What a batch of {@code rows} sequences padded to {@code length} tokens costs the simulated engine, in
     * milliseconds: the published time, interpolated, times {@code timeScale}. For capacity planning, and for
     * replaying a scheduler against the engine's cost curve without running it.
     *
     * @throws IllegalArgumentException for fewer than one row or token, or a time scale that is not positive
     */
    public static double batchMillis(int rows, int length, double timeScale) {
        return GpuCostModel.BERT_BASE_INT8_A100.millis(rows, length) * checkTimeScale(timeScale);
    }

    private static double checkTimeScale(double scale) {
        if (!(scale > 0) || Double.isInfinite(scale)) {
            throw new IllegalArgumentException("simulated time scale must be a positive number, found " + scale);
        }
        return scale;
    }

    private static int checkStreams(int streams) {
        if (streams < 1 || streams > 64) {
            throw new IllegalArgumentException("simulated streams must be a whole number in 1..64, found " + streams);
        }
        return streams;
    }

    private static double parse(Map<String, String> options, String key, double fallback) {
        String value = options.get(key);
        if (value == null) {
            return fallback;
        }
        try {
            return Double.parseDouble(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a number, found '" + value + "'", e);
        }
    }
}
