package io.streamrt.operators.internal;

/**
 * Predicts how long the engine takes for a batch of {@code rows} sequences padded to {@code length} tokens, from
 * the batches it has run: {@code time = overhead + cost * rows * length}, fitted by least squares over the recent
 * batches (each older batch weighs {@value #DECAY} as much as the next one, so the fit follows an engine that gets
 * slower or faster within a few dozen batches). Cheap enough to update after every batch. Not thread-safe: the
 * scheduler owns it.
 */
final class RunTimeModel {

    /** Weight kept by the past at each new batch: about the last 30 batches count. */
    static final double DECAY = 0.97;

    /**
     * Below this spread of batch sizes (relative variance of their token counts) the batches cannot tell the
     * overhead from the per-token cost: the overhead keeps its last estimate and only the cost is refitted.
     */
    private static final double MIN_RELATIVE_VARIANCE = 1e-3;

    private double weights;
    private double sumTokens;
    private double sumNanos;
    private double sumTokensSquared;
    private double sumTokensNanos;

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
        double tokens = (double) rows * length;
        weights = DECAY * weights + 1;
        sumTokens = DECAY * sumTokens + tokens;
        sumNanos = DECAY * sumNanos + nanos;
        sumTokensSquared = DECAY * sumTokensSquared + tokens * tokens;
        sumTokensNanos = DECAY * sumTokensNanos + tokens * nanos;
        observations++;

        double meanTokens = sumTokens / weights;
        double variance = sumTokensSquared / weights - meanTokens * meanTokens;
        if (variance > MIN_RELATIVE_VARIANCE * meanTokens * meanTokens) {
            double slope = (sumTokensNanos / weights - meanTokens * sumNanos / weights) / variance;
            double intercept = sumNanos / weights - slope * meanTokens;
            if (slope > 0 && intercept >= 0) {
                nanosPerToken = slope;
                overheadNanos = intercept;
                return;
            }
        }
        // Too little spread, or a fit without meaning (negative cost or overhead): keep the overhead, fit the cost.
        overheadNanos = Math.min(overheadNanos, sumNanos / weights);
        nanosPerToken = Math.max(1.0, (sumNanos - overheadNanos * weights) / sumTokens);
    }

    /** Learned time per padded token. */
    double nanosPerToken() {
        return nanosPerToken;
    }

    /** Learned fixed cost of a batch, whatever its size; 0 until batches of different sizes have been seen. */
    double overheadNanos() {
        return overheadNanos;
    }

    long observations() {
        return observations;
    }
}
