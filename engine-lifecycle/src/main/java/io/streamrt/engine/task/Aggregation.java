package io.streamrt.engine.task;

import io.streamrt.engine.HasId;

/**
 * How token-classification tags become entities, as Hugging Face's token-classification pipeline names its
 * {@code aggregation_strategy}: {@code simple} groups consecutive tokens by B-/I- tags and averages their scores;
 * {@code first}, {@code average} and {@code max} first give each word one tag (its first token's, the average of its
 * tokens' scores, or its highest-scoring token's) and then group words.
 *
 * <pre>{@code
 * Aggregation aggregation = Aggregation.of("first");
 * }</pre>
 */
public enum Aggregation implements HasId {
    SIMPLE,
    FIRST,
    AVERAGE,
    MAX;

    /**
     * The aggregation named {@code id}.
     *
     * @throws IllegalArgumentException naming the accepted ids
     */
    public static Aggregation of(String id) {
        return HasId.parse(Aggregation.class, id, "aggregation");
    }
}
