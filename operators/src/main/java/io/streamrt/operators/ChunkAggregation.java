package io.streamrt.operators;

import io.streamrt.engine.HasId;
import org.apache.flink.annotation.PublicEvolving;

/**
 * How a classifier's window scores make the record's ({@code chunk.aggregation}): each label's mean or highest
 * probability over the windows.
 */
@PublicEvolving
public enum ChunkAggregation implements HasId {
    MEAN,
    MAX
}
