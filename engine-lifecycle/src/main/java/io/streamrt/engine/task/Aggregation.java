package io.streamrt.engine.task;

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
public enum Aggregation {
    SIMPLE("simple"),
    FIRST("first"),
    AVERAGE("average"),
    MAX("max");

    private final String id;

    Aggregation(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    /**
     * The aggregation named {@code id}.
     *
     * @throws IllegalArgumentException naming the accepted ids
     */
    public static Aggregation of(String id) {
        return Ids.byId(values(), Aggregation::id, "aggregation", id);
    }
}
