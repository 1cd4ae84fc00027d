package io.streamrt.engine.task;

import io.streamrt.engine.HasId;

/**
 * What a model is used for, as {@code --task} and the printed configuration name it.
 *
 * <pre>{@code
 * Task task = Task.of("token-classification");
 * }</pre>
 */
public enum Task implements HasId {
    /** A sentence embedding per record ({@code inference.embedding}); zero-shot labels on top when configured. */
    EMBEDDING,
    /** A label and its probability per record ({@code *ForSequenceClassification}). */
    CLASSIFICATION,
    /** Entities found in the text ({@code *ForTokenClassification}). */
    TOKEN_CLASSIFICATION;

    /**
     * The task named {@code id}.
     *
     * @throws IllegalArgumentException naming the accepted ids
     */
    public static Task of(String id) {
        return HasId.parse(Task.class, id, "task");
    }
}
