package io.streamrt.operators;

import io.streamrt.engine.EngineSpec;
import io.streamrt.engine.task.TaskPlan;
import io.streamrt.serde.OutputFields;
import java.io.Serializable;
import java.util.List;
import org.apache.flink.annotation.PublicEvolving;

/**
 * The validated settings of one inference operator (see {@code InferenceOptions} for each one's meaning).
 *
 * <pre>{@code
 * InferenceSettings s = StreamInference.<String>builder(x -> x).build().settings();
 * }</pre>
 */
@PublicEvolving
public record InferenceSettings(
        EngineSpec engine,
        long tokenBudget,
        long latencyTargetMs,
        int capacity,
        long timeoutMs,
        boolean ordered,
        FailurePolicy onFailure,
        List<String> labels,
        BatchingMode batching,
        long maxDelayMs,
        TaskPlan.Choices task,
        String prefix,
        int topK,
        OutputFields output,
        Chunking chunking) implements Serializable {

    /**
     * How a text longer than the max sequence length is handled.
     *
     * @param longText truncate or chunk
     * @param overlapTokens chunk: tokens a window shares with the one before
     * @param maxChunks chunk: most windows of one record
     * @param output chunk: what a record emits
     * @param aggregation chunk: how a classifier's window scores make the record's
     */
    public record Chunking(LongText longText, int overlapTokens, int maxChunks, ChunkOutput output,
            ChunkAggregation aggregation) implements Serializable {

        /** Whether long texts are cut into windows. */
        public boolean chunks() {
            return longText == LongText.CHUNK;
        }
    }

    /** These settings with other result fields, e.g. a SQL model's OUTPUT columns once they are checked. */
    public InferenceSettings withOutput(OutputFields fields) {
        return new InferenceSettings(engine, tokenBudget, latencyTargetMs, capacity, timeoutMs, ordered, onFailure,
                labels, batching, maxDelayMs, task, prefix, topK, fields, chunking);
    }
}
