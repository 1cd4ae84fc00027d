package io.streamrt.operators;

import org.apache.flink.annotation.PublicEvolving;

/**
 * What happens to a record whose inference fails (the engine fails on it alone, a user function throws on it) or
 * times out. A fatal engine failure (the engine is gone, e.g. a CUDA error) fails the task under either policy:
 * the restart acquires a new engine and replays the record.
 *
 * <pre>{@code
 * StreamInference.<String>builder(s -> s).onFailure(FailurePolicy.DEAD_LETTER)
 * }</pre>
 */
@PublicEvolving
public enum FailurePolicy {
    /** Fail the task (Flink restarts it from the last checkpoint, per the job's restart strategy). */
    FAIL,
    /** Emit an {@link InferenceResult} failure with the reason; a counter says how many. */
    DEAD_LETTER
}
