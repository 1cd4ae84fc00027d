package io.streamrt.operators;

import org.apache.flink.annotation.PublicEvolving;

/**
 * How the scheduler forms batches.
 *
 * <pre>{@code
 * StreamInference.<String>builder(s -> s).batching(BatchingMode.STATIC).maxDelay(Duration.ofMillis(20))
 * }</pre>
 */
@PublicEvolving
public enum BatchingMode {
    /**
     * StreamRT's scheduler (default): requests grouped by token length; a batch is cut when it is full, when the
     * engine is idle, or when waiting longer would make its oldest request miss the latency target given the
     * run time learned for such a batch.
     */
    ADAPTIVE,
    /**
     * A fixed maximum size and a fixed maximum wait, first in first out, padded to the longest request: what
     * Flink's proposed batch async operator, Triton's default dynamic batcher and Ray Serve's batching do. For
     * comparison, and for users who want exactly that.
     */
    STATIC
}
