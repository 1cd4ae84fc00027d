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
        OutputFields output) implements Serializable {

    /** These settings with other result fields, e.g. a SQL model's OUTPUT columns once they are checked. */
    public InferenceSettings withOutput(OutputFields fields) {
        return new InferenceSettings(engine, tokenBudget, latencyTargetMs, capacity, timeoutMs, ordered, onFailure,
                labels, batching, maxDelayMs, task, prefix, topK, fields);
    }
}
