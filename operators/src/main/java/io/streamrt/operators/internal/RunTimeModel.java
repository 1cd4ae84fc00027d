package io.streamrt.operators.internal;

/**
 * Predicts how long the engine takes for a batch of {@code rows} sequences padded to {@code length} tokens, from
 * the batches it has run: {@code time = overhead + cost * rows * length}, both learned as exponentially weighted
 * averages. Cheap enough to update after every batch. Not thread-safe: the scheduler owns it.
 */
final class RunTimeModel {

    private static final double WEIGHT = 0.2;

    private double nanosPerToken;
    private double overheadNanos;
    private long observations;

    /** @param initialNanosPerToken the guess used until the first batch has run */
    RunTimeModel(double initialNanosPerToken) {
        this.nanosPerToken = initialNanosPerToken;
    }

    long predictNanos(int rows, int length) {
        return (long) (overheadNanos + nanosPerToken * rows * length);
    }

    void observe(int rows, int length, long nanos) {
        long tokens = (long) rows * length;
        if (observations == 0) {
            nanosPerToken = (double) nanos / tokens;
        } else {
            // Split the error between the per-batch overhead and the per-token cost: single-row batches teach
            // the overhead, large ones the cost.
            double predicted = predictNanos(rows, length);
            double error = nanos - predicted;
            double tokenShare = Math.min(1.0, tokens / 256.0);
            nanosPerToken = Math.max(1.0, nanosPerToken + WEIGHT * tokenShare * error / tokens);
            overheadNanos = Math.max(0.0, overheadNanos + WEIGHT * (1.0 - tokenShare) * error);
        }
        observations++;
    }

    /** Learned time per padded token. */
    double nanosPerToken() {
        return nanosPerToken;
    }

    /** Learned fixed cost of a batch, whatever its size; 0 until batches of few tokens have been seen. */
    double overheadNanos() {
        return overheadNanos;
    }

    long observations() {
        return observations;
    }
}
