package io.streamrt.operators.internal;

/**
 * Predicts how long the engine takes for a batch of {@code rows} sequences padded to {@code length} tokens, from
 * the batches it has run: {@code time = overhead + cost * rows * length}, fitted by least squares over the recent
 * batches (each older batch weighs {@value #DECAY} as much as the next one, so the fit follows an engine that gets
 * slower or faster within a few dozen batches). Cheap enough to update after every batch. Not thread-safe: the
 * scheduler owns it.
 *
 * <p>The fit minimises relative, not absolute, errors ({@code time / tokens = cost + overhead / tokens}): on a
 * shared CPU a batch is stretched in proportion to its length whenever other threads take the cores, so the large
 * batches are the noisy ones, and an ordinary fit let their noise decide the overhead, which is what the small
 * batches measure (on a replayed batch log the ordinary fit's overhead swung far wider; docs/scheduler.md).
 */
final class RunTimeModel {

    /** Weight kept by the past at each new batch: about the last 30 batches count. */
    static final double DECAY = 0.97;

    /**
     * Below this spread of batch sizes (relative variance of their inverse token counts) the batches cannot tell
     * the overhead from the per-token cost: the overhead keeps its last estimate and only the cost is refitted.
     */
    private static final double MIN_RELATIVE_VARIANCE = 1e-3;

    private double weights;
    private double sumTokens;
    private double sumNanos;
    /** Sums over batches of x = 1 / tokens and y = nanos / tokens, the fit's coordinates. */
    private double sumX;
    private double sumY;
    private double sumXSquared;
    private double sumXY;

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
        double x = 1.0 / tokens;
        double y = nanos / tokens;
        weights = DECAY * weights + 1;
        sumTokens = DECAY * sumTokens + tokens;
        sumNanos = DECAY * sumNanos + nanos;
        sumX = DECAY * sumX + x;
        sumY = DECAY * sumY + y;
        sumXSquared = DECAY * sumXSquared + x * x;
        sumXY = DECAY * sumXY + x * y;
        observations++;

        double meanX = sumX / weights;
        double variance = sumXSquared / weights - meanX * meanX;
        if (variance > MIN_RELATIVE_VARIANCE * meanX * meanX) {
            // y = cost + overhead * x: the overhead is the slope, the per-token cost the intercept.
            double slope = (sumXY / weights - meanX * sumY / weights) / variance;
            double intercept = sumY / weights - slope * meanX;
            if (intercept > 0 && slope >= 0) {
                nanosPerToken = intercept;
                overheadNanos = slope;
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
