package io.streamrt.engine;

import java.nio.file.Path;

/**
 * The TensorRT backend's JVM-wide settings, as system properties (set them in Flink's
 * {@code env.java.opts.taskmanager}, and the same ones for {@code model build-engine}, so that both look for the same
 * plans).
 *
 * <ul>
 *   <li>{@value #STREAMS_PROPERTY} (default {@value #DEFAULT_STREAMS}): CUDA streams per engine, each with its own
 *       execution context and optimization profile; the plan holds one profile per stream.</li>
 *   <li>{@value #PLAN_CACHE_DIR_PROPERTY} (default {@code ${java.io.tmpdir}/streamrt-plans}): where built plans
 *       are kept; a persistent volume, or a directory baked into the image, so restarts load instead of build.</li>
 *   <li>{@value #SPARSE_WEIGHTS_PROPERTY} (default {@code true}): sets {@code kSPARSE_WEIGHTS}.</li>
 * </ul>
 *
 * <pre>{@code
 * Path plans = TensorRtSettings.planCacheDirectory();
 * }</pre>
 */
public final class TensorRtSettings {

    public static final String STREAMS_PROPERTY = "streamrt.tensorrt.streams";
    public static final String PLAN_CACHE_DIR_PROPERTY = "streamrt.tensorrt.plan-cache-dir";
    public static final String SPARSE_WEIGHTS_PROPERTY = "streamrt.tensorrt.sparse-weights";
    public static final int DEFAULT_STREAMS = 2;

    private TensorRtSettings() {}

    /** The plan cache directory the system properties give. */
    public static Path planCacheDirectory() {
        String dir = System.getProperty(PLAN_CACHE_DIR_PROPERTY);
        return dir != null && !dir.isBlank() ? Path.of(dir.trim())
                : Path.of(System.getProperty("java.io.tmpdir", "/tmp"), "streamrt-plans");
    }
}
