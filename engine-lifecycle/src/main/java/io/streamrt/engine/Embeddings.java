package io.streamrt.engine;

/**
 * Comparing sentence embeddings, such as those of {@link EncoderOutput#meanPooledNormalized}.
 *
 * <pre>{@code
 * double agreement = Embeddings.cosine(int8Embedding, fp32Embedding); // 1.0: same direction
 * }</pre>
 */
public final class Embeddings {

    private Embeddings() {}

    /**
     * Cosine similarity of two vectors, in double precision; 0 where either is all zeros.
     *
     * @throws IllegalArgumentException if their lengths differ
     */
    public static double cosine(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("cannot compare embeddings of " + a.length + " and " + b.length
                    + " dimensions: they come from different models");
        }
        double dot = 0;
        double aa = 0;
        double bb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            aa += (double) a[i] * a[i];
            bb += (double) b[i] * b[i];
        }
        return aa == 0 || bb == 0 ? 0 : dot / Math.sqrt(aa * bb);
    }
}
