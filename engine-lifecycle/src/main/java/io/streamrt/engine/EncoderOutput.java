package io.streamrt.engine;

/**
 * The encoder's last hidden state for a batch, row-major {@code [size, sequenceLength, hiddenSize]}, plus how
 * long the backend took.
 *
 * <pre>{@code
 * EncoderOutput out = engine.run(batch);
 * float[][] sentences = out.meanPooledNormalized(batch.lengths());
 * }</pre>
 */
public record EncoderOutput(int size, int sequenceLength, int hiddenSize, float[] hiddenState, long runNanos) {

    public EncoderOutput {
        if ((long) size * sequenceLength * hiddenSize != hiddenState.length) {
            throw new IllegalArgumentException("expected " + (long) size * sequenceLength * hiddenSize
                    + " values for [" + size + ", " + sequenceLength + ", " + hiddenSize + "], found "
                    + hiddenState.length);
        }
    }

    /**
     * Sentence embeddings: the mean of each row's first {@code lengths[i]} token vectors (the unmasked ones),
     * scaled to unit L2 norm, the pooling sentence-transformers models are trained with.
     */
    public float[][] meanPooledNormalized(int[] lengths) {
        if (lengths.length != size) {
            throw new IllegalArgumentException("expected " + size + " lengths, found " + lengths.length);
        }
        float[][] pooled = new float[size][hiddenSize];
        for (int row = 0; row < size; row++) {
            float[] acc = pooled[row];
            int base = row * sequenceLength * hiddenSize;
            for (int t = 0; t < lengths[row]; t++) {
                int offset = base + t * hiddenSize;
                for (int d = 0; d < hiddenSize; d++) {
                    acc[d] += hiddenState[offset + d];
                }
            }
            double norm = 0;
            for (int d = 0; d < hiddenSize; d++) {
                acc[d] /= lengths[row];
                norm += (double) acc[d] * acc[d];
            }
            float scale = norm > 0 ? (float) (1.0 / Math.sqrt(norm)) : 0f;
            for (int d = 0; d < hiddenSize; d++) {
                acc[d] *= scale;
            }
        }
        return pooled;
    }
}
