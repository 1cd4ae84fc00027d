package io.streamrt.jobs.model;

import io.streamrt.engine.Embeddings;

/**
 * How closely two models' sentence embeddings of the same texts agree: the cosine of each text's two embeddings,
 * and whether each text's nearest other text is the same under both models (what a search or deduplication built
 * on the embeddings sees).
 *
 * <pre>{@code
 * EmbeddingAgreement agreement = EmbeddingAgreement.of(embeddingsA, embeddingsB);
 * System.out.println(agreement.meanCosine() + " " + agreement.top1Agreement());
 * }</pre>
 *
 * @param texts how many texts were compared
 * @param meanCosine mean over texts of cos(A(text), B(text))
 * @param minCosine the smallest of those cosines
 * @param minIndex the text (0-based, in input order) with the smallest cosine
 * @param top1Agreeing texts whose nearest other text is the same under A and B
 */
record EmbeddingAgreement(int texts, double meanCosine, double minCosine, int minIndex, int top1Agreeing) {

    /** The share of texts whose nearest other text is the same under A and B, from 0 to 1. */
    double top1Agreement() {
        return (double) top1Agreeing / texts;
    }

    /**
     * Compares two sets of embeddings of the same texts, in the same order.
     *
     * @throws IllegalArgumentException if the sets differ in size or width, or hold fewer than 2 texts
     */
    static EmbeddingAgreement of(float[][] a, float[][] b) {
        if (a.length != b.length || a.length < 2) {
            throw new IllegalArgumentException("expected two sets of at least 2 embeddings of the same texts, found "
                    + a.length + " and " + b.length);
        }
        if (a[0].length != b[0].length) {
            throw new IllegalArgumentException("the models' embeddings differ in width: A gives " + a[0].length
                    + " dimensions, B " + b[0].length + "; compare two versions of one model (e.g. FP32 and its "
                    + "INT8 copy)");
        }
        double sum = 0;
        double min = Double.POSITIVE_INFINITY;
        int minIndex = 0;
        int agreeing = 0;
        for (int i = 0; i < a.length; i++) {
            double cosine = Embeddings.cosine(a[i], b[i]);
            sum += cosine;
            if (cosine < min) {
                min = cosine;
                minIndex = i;
            }
            if (nearest(a, i) == nearest(b, i)) {
                agreeing++;
            }
        }
        return new EmbeddingAgreement(a.length, sum / a.length, min, minIndex, agreeing);
    }

    /** The index of the text most similar to text {@code i}, itself excluded; the first of equals. */
    static int nearest(float[][] embeddings, int i) {
        int best = -1;
        double bestCosine = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < embeddings.length; j++) {
            if (j != i) {
                double cosine = Embeddings.cosine(embeddings[i], embeddings[j]);
                if (cosine > bestCosine) {
                    bestCosine = cosine;
                    best = j;
                }
            }
        }
        return best;
    }
}
