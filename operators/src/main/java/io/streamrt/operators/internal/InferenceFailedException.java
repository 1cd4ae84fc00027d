package io.streamrt.operators.internal;

import org.apache.flink.annotation.Internal;

/**
 * A record's inference failed: the message says which record (by its description, never its text), on which engine,
 * whether it failed alone or with its engine, and the engine's own message. What fails a task under
 * {@code FailurePolicy.FAIL}, and the dead-letter message under {@code DEAD_LETTER}.
 *
 * <pre>{@code
 * throw new InferenceFailedException("the engine e-1 failed on record in-0@42 (key k-42) run alone: ...", cause);
 * }</pre>
 */
@Internal
public final class InferenceFailedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public InferenceFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
