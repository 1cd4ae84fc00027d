package io.streamrt.engine.task;

/**
 * What turns a classifier's logits into scores, as Hugging Face's text-classification pipeline chooses it from
 * {@code problem_type} and the number of labels.
 *
 * <pre>{@code
 * double[] probabilities = Activation.SOFTMAX.apply(logits);
 * }</pre>
 */
public enum Activation {
    /** Probabilities over the labels, summing to 1: single-label classification with two or more labels. */
    SOFTMAX,
    /** Each label's probability on its own: multi-label classification, or a single logit (a relevance score). */
    SIGMOID,
    /** The logits as they are: regression. */
    NONE;

    /** Scores of one record's logits. */
    public double[] apply(float[] logits) {
        double[] scores = new double[logits.length];
        switch (this) {
            case SOFTMAX -> {
                double max = Double.NEGATIVE_INFINITY;
                for (float logit : logits) {
                    max = Math.max(max, logit);
                }
                double sum = 0;
                for (int i = 0; i < logits.length; i++) {
                    scores[i] = Math.exp(logits[i] - max);
                    sum += scores[i];
                }
                for (int i = 0; i < scores.length; i++) {
                    scores[i] /= sum;
                }
            }
            case SIGMOID -> {
                for (int i = 0; i < logits.length; i++) {
                    scores[i] = 1.0 / (1.0 + Math.exp(-logits[i]));
                }
            }
            case NONE -> {
                for (int i = 0; i < logits.length; i++) {
                    scores[i] = logits[i];
                }
            }
        }
        return scores;
    }

    /**
     * The activation for a classifier, as the Hugging Face pipeline picks it: none for {@code regression},
     * sigmoid for {@code multi_label_classification} or a single label, softmax otherwise.
     */
    public static Activation forClassifier(String problemType, int labels) {
        if ("regression".equals(problemType)) {
            return NONE;
        }
        if ("multi_label_classification".equals(problemType) || labels == 1) {
            return SIGMOID;
        }
        return SOFTMAX;
    }
}
