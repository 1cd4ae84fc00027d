package io.streamrt.engine.internal.onnxruntime;

import ai.onnxruntime.OrtEnvironment;
import io.streamrt.engine.internal.NativeThreads;

/**
 * ONNX Runtime's one environment per JVM, created on a thread of ours with a stack sized for the process's command
 * line (see {@link NativeThreads} for the crash this avoids). Every StreamRT use of ONNX Runtime takes it from here,
 * so the first one, whichever it is, is safe; later {@code OrtEnvironment.getEnvironment()} calls return the same
 * instance without native initialisation.
 *
 * <pre>{@code
 * OrtEnvironment env = OrtEnvironments.get();
 * }</pre>
 */
public final class OrtEnvironments {

    private static OrtEnvironment environment;

    private OrtEnvironments() {}

    /**
     * The environment, created on first use.
     *
     * @throws UnsatisfiedLinkError or another {@link Throwable} from ONNX Runtime if its native library cannot load
     */
    public static synchronized OrtEnvironment get() {
        if (environment == null) {
            environment = NativeThreads.callOnLargeStack("ONNX Runtime's environment", OrtEnvironment::getEnvironment);
        }
        return environment;
    }
}
