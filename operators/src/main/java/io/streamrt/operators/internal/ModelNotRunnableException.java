package io.streamrt.operators.internal;

import org.apache.flink.annotation.Internal;
import org.apache.flink.runtime.throwable.ThrowableAnnotation;
import org.apache.flink.runtime.throwable.ThrowableType;

/**
 * The operator's engine cannot open its model, and a restart would fail the same way (a model with the wrong
 * inputs or outputs, a file missing or not a model): Flink fails the job at once, without restarts, with this
 * message on the console, instead of restarting with back-off forever.
 *
 * <pre>{@code
 * throw new ModelNotRunnableException("builtin:x", rejected);
 * }</pre>
 */
@ThrowableAnnotation(ThrowableType.NonRecoverableError)
@Internal
public final class ModelNotRunnableException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public ModelNotRunnableException(String model, Throwable reason) {
        super("StreamRT cannot run model '" + model + "' on this TaskManager, and a restart would fail the same way, "
                + "so the job fails without restarting: " + reason.getMessage(), reason);
    }
}
