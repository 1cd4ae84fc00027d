package io.streamrt.engine;

import io.streamrt.engine.onnx.ModelSignature;
import java.util.List;
import java.util.Objects;

/**
 * What an engine takes and gives.
 *
 * <pre>{@code
 * EngineInfo info = engine.info();
 * int rows = Math.min(requested, info.maxBatchSize());
 * }</pre>
 *
 * @param backend backend name, e.g. {@code onnxruntime}
 * @param model model name, e.g. {@code all-minilm-l6-v2-int8}
 * @param precision weights precision as the model carries it: {@code fp32}, {@code fp16}, {@code int8-dynamic},
 *     {@code int8-qdq}
 * @param maxBatchSize the largest batch {@link InferenceEngine#run} accepts
 * @param maxSequenceLength the longest (padded) sequence it accepts
 * @param outputs the float outputs {@link InferenceEngine#run} returns, with their shapes (-1 for a dynamic
 *     dimension), e.g. {@code last_hidden_state: float32 [?, ?, 384]}
 * @param maxConcurrentBatches how many {@code run} calls may overlap usefully (1 on CPU)
 */
public record EngineInfo(
        String backend,
        String model,
        String precision,
        int maxBatchSize,
        int maxSequenceLength,
        List<ModelSignature.Tensor> outputs,
        int maxConcurrentBatches) {

    public EngineInfo {
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(precision, "precision");
        outputs = List.copyOf(outputs);
        if (maxBatchSize < 1 || maxSequenceLength < 1 || outputs.isEmpty() || maxConcurrentBatches < 1) {
            throw new IllegalArgumentException("engine limits must be positive and there must be an output, found "
                    + maxBatchSize + "/" + maxSequenceLength + "/" + outputs + "/" + maxConcurrentBatches);
        }
    }

    /** What a backend throws when {@code run} comes after {@code close}: the same words for every backend. */
    public EngineException closedError() {
        return new EngineException("engine " + backend + "/" + model
                + " is closed: run() was called after close(); acquire a new lease from the EngineRegistry");
    }

    /**
     * Refuses a batch over this engine's limits, with the fix in the message; every backend checks before it
     * touches native memory.
     *
     * @throws EngineException if the batch has more rows than {@link #maxBatchSize} or is padded past
     *     {@link #maxSequenceLength}
     */
    public void checkFits(EncoderBatch batch) {
        if (batch.size() > maxBatchSize) {
            throw new EngineException("batch has " + batch.size() + " rows, more than this engine's maxBatchSize "
                    + maxBatchSize + "; split the batch, or acquire an engine with a larger maxBatchSize");
        }
        if (batch.sequenceLength() > maxSequenceLength) {
            throw new EngineException("batch is padded to " + batch.sequenceLength()
                    + " tokens, more than this engine's maxSequenceLength " + maxSequenceLength
                    + "; truncate inputs to " + maxSequenceLength + " tokens, or acquire an engine with a "
                    + "larger maxSequenceLength");
        }
    }
}
