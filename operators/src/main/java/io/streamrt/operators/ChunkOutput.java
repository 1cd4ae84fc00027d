package io.streamrt.operators;

import io.streamrt.engine.HasId;
import org.apache.flink.annotation.PublicEvolving;

/**
 * What a chunked record emits ({@code chunk.output}): {@code document} its own results only; {@code chunks} also
 * each window's; {@code records} one output per window (a SQL model says {@code rows}).
 */
@PublicEvolving
public enum ChunkOutput implements HasId {
    DOCUMENT,
    CHUNKS,
    RECORDS;

    /**
     * The constant named {@code id}; {@code rows}, a SQL model's word, is {@link #RECORDS}.
     *
     * @throws IllegalArgumentException naming the accepted ids
     */
    public static ChunkOutput of(String id) {
        return "rows".equalsIgnoreCase(id.trim()) ? RECORDS : HasId.parse(ChunkOutput.class, id, "chunk output");
    }
}
