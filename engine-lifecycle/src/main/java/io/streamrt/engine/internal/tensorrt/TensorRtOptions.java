package io.streamrt.engine.internal.tensorrt;

import io.streamrt.engine.TensorRtSettings;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import java.util.Properties;

/**
 * The TensorRT backend's tunables, read from JVM system properties (set them in Flink's {@code env.java.opts.taskmanager}).
 *
 * <ul>
 *   <li>{@value #STREAMS_PROPERTY} (default {@value #DEFAULT_STREAMS}): CUDA streams per engine, each with its own
 *       execution context and buffers, so the copies of one batch overlap the compute of another; the engine accepts
 *       that many concurrent batches. 1 turns overlapping off.
 *   <li>{@value #PLAN_CACHE_DIR_PROPERTY} (default {@code ${java.io.tmpdir}/streamrt-plans}): where built plans and
 *       the timing cache are kept; point it at a persistent volume so restarts load instead of rebuild.
 *   <li>{@value #SPARSE_WEIGHTS_PROPERTY} (default {@code true}): sets {@code kSPARSE_WEIGHTS}. TensorRT then checks
 *       each layer's weights itself and uses sparse tensor-core kernels only where they are 2:4 structured sparse,
 *       so a dense model gets the same engine and only the build takes a little longer; {@code false} skips that
 *       check.
 * </ul>
 *
 * <pre>{@code
 * TensorRtOptions options = TensorRtOptions.fromSystemProperties();
 * }</pre>
 *
 * @param streams CUDA streams (and execution contexts) per engine
 * @param planCacheDirectory where plans are cached
 * @param sparseWeights whether to set {@code kSPARSE_WEIGHTS}
 */
public record TensorRtOptions(int streams, Path planCacheDirectory, boolean sparseWeights) {

    public static final String STREAMS_PROPERTY = TensorRtSettings.STREAMS_PROPERTY;
    public static final String PLAN_CACHE_DIR_PROPERTY = TensorRtSettings.PLAN_CACHE_DIR_PROPERTY;
    public static final String SPARSE_WEIGHTS_PROPERTY = TensorRtSettings.SPARSE_WEIGHTS_PROPERTY;

    public static final int DEFAULT_STREAMS = TensorRtSettings.DEFAULT_STREAMS;

    /** More contexts than this only add memory: the GPU runs a handful of encoder batches at a time at most. */
    static final int MAX_STREAMS = 16;

    public TensorRtOptions {
        Objects.requireNonNull(planCacheDirectory, "planCacheDirectory");
        if (streams < 1 || streams > MAX_STREAMS) {
            throw new IllegalArgumentException(STREAMS_PROPERTY + " must be in 1.." + MAX_STREAMS + ", found " + streams);
        }
    }

    /** From {@link System#getProperties()}. */
    public static TensorRtOptions fromSystemProperties() {
        return from(System.getProperties());
    }

    static TensorRtOptions from(Properties properties) {
        int streams = DEFAULT_STREAMS;
        String value = properties.getProperty(STREAMS_PROPERTY);
        if (value != null && !value.isBlank()) {
            try {
                streams = Integer.parseInt(value.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(STREAMS_PROPERTY + " must be a whole number of CUDA streams, found '"
                        + value + "'", e);
            }
        }
        String dir = properties.getProperty(PLAN_CACHE_DIR_PROPERTY);
        Path planCache = dir != null && !dir.isBlank() ? Path.of(dir.trim())
                : Path.of(properties.getProperty("java.io.tmpdir", "/tmp"), "streamrt-plans");
        boolean sparse = true;
        String sparseValue = properties.getProperty(SPARSE_WEIGHTS_PROPERTY);
        if (sparseValue != null && !sparseValue.isBlank()) {
            switch (sparseValue.trim().toLowerCase(Locale.ROOT)) {
                case "true" -> sparse = true;
                case "false" -> sparse = false;
                default -> throw new IllegalArgumentException(SPARSE_WEIGHTS_PROPERTY + " must be true or false, found '"
                        + sparseValue + "'");
            }
        }
        return new TensorRtOptions(streams, planCache, sparse);
    }
}
