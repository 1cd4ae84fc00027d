package io.streamrt.operators;

import io.streamrt.engine.HasId;
import org.apache.flink.annotation.PublicEvolving;

/**
 * What happens to a text longer than the model's input ({@code long-text}): {@code truncate} cuts it at the max
 * sequence length; {@code chunk} cuts it into overlapping windows of tokens, runs each as a text alone, and makes the
 * record's results of them all.
 */
@PublicEvolving
public enum LongText implements HasId {
    TRUNCATE,
    CHUNK
}
