package io.streamrt.engine.task;

/**
 * What a model is used for, as {@code --task} and the printed configuration name it.
 *
 * <pre>{@code
 * Task task = Task.of("token-classification");
 * }</pre>
 */
public enum Task {
    /** A sentence embedding per record ({@code inference.embedding}); zero-shot labels on top when configured. */
    EMBEDDING("embedding"),
    /** A label and its probability per record ({@code *ForSequenceClassification}). */
    CLASSIFICATION("classification"),
    /** Entities found in the text ({@code *ForTokenClassification}). */
    TOKEN_CLASSIFICATION("token-classification");

    private final String id;

    Task(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    /**
     * The task named {@code id}.
     *
     * @throws IllegalArgumentException naming the accepted ids
     */
    public static Task of(String id) {
        return Ids.byId(values(), Task::id, "task", id);
    }
}
