package io.streamrt.engine.internal.tensorrt;

import java.util.List;
import org.bytedeco.tensorrt.nvinfer.ILogger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TensorRT's log, forwarded to slf4j; keeps the last error lines of each thread ({@link RecentErrors}) so that a
 * failed call's exception quotes its own errors, not another engine's. One instance per JVM: TensorRT keeps the
 * pointer for as long as any builder, runtime or engine lives.
 *
 * <pre>{@code
 * IRuntime runtime = createInferRuntime(TrtLogger.INSTANCE);
 * }</pre>
 */
final class TrtLogger extends ILogger {

    static final TrtLogger INSTANCE = new TrtLogger();

    private static final Logger LOG = LoggerFactory.getLogger("io.streamrt.engine.tensorrt");
    private static final int KEPT_ERRORS = 8;

    private final RecentErrors recentErrors = new RecentErrors(KEPT_ERRORS);

    private TrtLogger() {}

    @Override
    public void log(ILogger.Severity severity, String message) {
        int level = severity.value;
        if (level <= ILogger.Severity.kERROR.value) {
            LOG.error("TensorRT: {}", message);
            recentErrors.add(message);
        } else if (level == ILogger.Severity.kWARNING.value) {
            LOG.warn("TensorRT: {}", message);
        } else if (level == ILogger.Severity.kINFO.value) {
            LOG.debug("TensorRT: {}", message);
        } else {
            LOG.trace("TensorRT: {}", message);
        }
    }

    /** The calling thread's last error lines, oldest first; cleared, so its next failure quotes only its own. */
    List<String> takeRecentErrors() {
        return recentErrors.take();
    }
}
