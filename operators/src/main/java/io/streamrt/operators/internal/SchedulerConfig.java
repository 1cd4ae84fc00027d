package io.streamrt.operators.internal;

import io.streamrt.operators.BatchingMode;

/**
 * How one scheduler batches. Equal configs on one engine share a scheduler.
 *
 * @param mode adaptive (length buckets, latency target, idle dispatch) or static (FIFO, size or max delay)
 * @param maxBatchSize most rows per batch
 * @param maxSequenceLength longest sequence, in tokens
 * @param tokenBudget most padded tokens per batch
 * @param maxDelayNanos static mode: the longest a request waits for its batch to fill
 */
record SchedulerConfig(BatchingMode mode, int maxBatchSize, int maxSequenceLength, long tokenBudget,
        long maxDelayNanos) {}
