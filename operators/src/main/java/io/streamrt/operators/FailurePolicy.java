package io.streamrt.operators;

/**
 * What happens to a record whose inference fails (engine error) or times out.
 *
 * <pre>{@code
 * StreamInference.<String>builder(s -> s).onFailure(FailurePolicy.DEAD_LETTER)
 * }</pre>
 */
public enum FailurePolicy {
    /** Fail the task (Flink restarts it from the last checkpoint, per the job's restart strategy). */
    FAIL,
    /** Emit an {@link InferenceResult} failure with the reason; a counter says how many. */
    DEAD_LETTER
}
