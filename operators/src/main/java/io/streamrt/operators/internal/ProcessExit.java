package io.streamrt.operators.internal;

import java.util.Objects;
import org.apache.flink.annotation.Internal;
import org.apache.flink.util.FatalExitExceptionHandler;

/**
 * How the operator ends its TaskManager's process after an engine failure that poisons the process (a sticky CUDA
 * error: no CUDA work can succeed in it again). Flink's own fatal-error exit: it logs the error with a thread dump
 * and halts the JVM, so that the cluster (Kubernetes, YARN, a supervisor) starts a fresh TaskManager and the job
 * fails over to it. Tests put a recorder in its place.
 *
 * <pre>{@code
 * ProcessExit.current().exit(new InternalError("sticky CUDA error on GPU 0"));
 * }</pre>
 */
@FunctionalInterface
@Internal
public interface ProcessExit {

    /** Ends the process (never returns, in production). */
    void exit(Throwable reason);

    /** The one in use: Flink's fatal-error exit unless a test replaced it. */
    static ProcessExit current() {
        return Holder.current;
    }

    /** Replaces the process exit (tests); returns the previous one, to put back. */
    static ProcessExit replace(ProcessExit exit) {
        ProcessExit previous = Holder.current;
        Holder.current = Objects.requireNonNull(exit, "exit");
        return previous;
    }

    /** Flink's fatal-error exit. */
    static ProcessExit flinkFatalExit() {
        return reason -> FatalExitExceptionHandler.INSTANCE.uncaughtException(Thread.currentThread(), reason);
    }

    /** Holds the replaceable exit (interfaces cannot have mutable static fields). */
    final class Holder {
        private static volatile ProcessExit current = flinkFatalExit();

        private Holder() {}
    }
}
