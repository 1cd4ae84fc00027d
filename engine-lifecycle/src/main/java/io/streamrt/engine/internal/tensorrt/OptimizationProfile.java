package io.streamrt.engine.internal.tensorrt;

/**
 * The shapes a TensorRT engine is built for: every input ({@code input_ids}, {@code attention_mask},
 * {@code token_type_ids}) is {@code [batch, sequence]} with batch in {@code minBatch..maxBatch} and sequence in
 * {@code minSequence..maxSequence}; TensorRT tunes its kernels for the {@code opt} shape.
 *
 * <pre>{@code
 * OptimizationProfile profile = OptimizationProfile.forLimits(64, 256);   // [1..64] x [1..256], opt [32, 128]
 * }</pre>
 */
public record OptimizationProfile(
        int minBatch, int optBatch, int maxBatch, int minSequence, int optSequence, int maxSequence) {

    /** Where sentence-encoder traffic mostly sits; longer inputs still run, on kernels tuned for this length. */
    static final int TYPICAL_SEQUENCE_LENGTH = 128;

    public OptimizationProfile {
        check("batch", minBatch, optBatch, maxBatch);
        check("sequence", minSequence, optSequence, maxSequence);
    }

    /**
     * The profile for an engine's limits: any batch and length up to them, tuned for half the largest batch (what
     * a loaded batch scheduler mostly sends) and {@value #TYPICAL_SEQUENCE_LENGTH} tokens or the maximum if shorter.
     */
    public static OptimizationProfile forLimits(int maxBatch, int maxSequence) {
        if (maxBatch < 1 || maxSequence < 1) {
            throw new IllegalArgumentException("maxBatch and maxSequence must be at least 1, found " + maxBatch + " and "
                    + maxSequence);
        }
        return new OptimizationProfile(1, Math.max(1, maxBatch / 2), maxBatch,
                1, Math.min(TYPICAL_SEQUENCE_LENGTH, maxSequence), maxSequence);
    }

    /** Whether a {@code [batch, sequence]} input fits this profile. */
    public boolean accepts(int batch, int sequence) {
        return batch >= minBatch && batch <= maxBatch && sequence >= minSequence && sequence <= maxSequence;
    }

    /** E.g. {@code batch 1/32/64, sequence 1/128/256}: part of the plan cache key and of log lines. */
    public String canonical() {
        return "batch " + minBatch + "/" + optBatch + "/" + maxBatch + ", sequence " + minSequence + "/" + optSequence
                + "/" + maxSequence;
    }

    private static void check(String what, int min, int opt, int max) {
        if (min < 1 || min > opt || opt > max) {
            throw new IllegalArgumentException(what + " shapes must satisfy 1 <= min <= opt <= max, found " + min + "/"
                    + opt + "/" + max);
        }
    }
}
