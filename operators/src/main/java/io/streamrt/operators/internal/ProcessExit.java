package io.streamrt.operators.internal;

import java.io.Serializable;
import org.apache.flink.annotation.Internal;
import org.apache.flink.util.FatalExitExceptionHandler;

/**
 * How the operator ends its TaskManager's process after an engine failure that poisons the process (a sticky CUDA
 * error: no CUDA work can succeed in it again). Flink's own fatal-error exit: it logs the error with a thread dump
 * and halts the JVM, so that the cluster (Kubernetes, YARN, a supervisor) starts a fresh TaskManager and the job
 * fails over to it. The operator takes it as a constructor argument; tests give a recorder.
 *
 * <pre>{@code
 * ProcessExit.flinkFatalExit().exit(new InternalError("sticky CUDA error on GPU 0"));
 * }</pre>
 */
@FunctionalInterface
@Internal
public interface ProcessExit extends Serializable {

    /** Ends the process (never returns, in production). */
    void exit(Throwable reason);

    /** Flink's fatal-error exit. */
    static ProcessExit flinkFatalExit() {
        return reason -> FatalExitExceptionHandler.INSTANCE.uncaughtException(Thread.currentThread(), reason);
    }
}
