package io.streamrt.engine;

import io.streamrt.engine.task.Pooling;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What an engine returned for one batch: the model's float outputs by name (each row-major, its first dimension the
 * batch), plus how long the backend took. Which output means what is the task's business, not the engine's.
 *
 * <pre>{@code
 * EncoderOutput out = engine.run(batch);
 * OutputTensor hidden = out.tensor("last_hidden_state");   // [batch, sequence, hidden]
 * float[][] sentences = out.meanPooledNormalized(batch.lengths());
 * }</pre>
 *
 * @param tensors the outputs, in the model's order
 * @param runNanos the backend's time for the batch
 */
public record EncoderOutput(Map<String, OutputTensor> tensors, long runNanos) {

    public EncoderOutput {
        tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
        if (tensors.isEmpty()) {
            throw new IllegalArgumentException("an engine output needs at least one tensor");
        }
    }

    /** An output of these tensors. */
    public static EncoderOutput of(long runNanos, OutputTensor... tensors) {
        Map<String, OutputTensor> byName = new LinkedHashMap<>();
        for (OutputTensor tensor : tensors) {
            byName.put(tensor.name(), tensor);
        }
        return new EncoderOutput(byName, runNanos);
    }

    /**
     * The output named {@code name}.
     *
     * @throws EngineException naming the outputs there are
     */
    public OutputTensor tensor(String name) {
        OutputTensor tensor = tensors.get(name);
        if (tensor == null) {
            throw new EngineException("the engine returned no output '" + name + "'; it returned "
                    + tensors.values());
        }
        return tensor;
    }

    /** The first output of rank 3 ({@code [batch, sequence, hidden]}): the last hidden state of an encoder. */
    public OutputTensor hiddenState() {
        for (OutputTensor tensor : tensors.values()) {
            if (tensor.shape().length == 3) {
                return tensor;
            }
        }
        throw new EngineException("the engine returned no [batch, sequence, hidden] output; it returned "
                + tensors.values());
    }

    /**
     * Sentence embeddings: the mean of each row's first {@code lengths[i]} token vectors of the hidden state (the
     * unmasked ones), scaled to unit L2 norm, the pooling sentence-transformers models such as MiniLM are trained
     * with. Other models pool otherwise: see {@link Pooling}. A model that pools itself (no hidden state, a
     * {@code sentence_embedding [batch, hidden]} output, as {@code model convert --pooling mean} makes): its rows,
     * scaled to unit norm.
     */
    public float[][] meanPooledNormalized(int[] lengths) {
        OutputTensor pooledByModel = tensors.get(EncoderContract.POOLED_EMBEDDING);
        if (pooledByModel != null && pooledByModel.shape().length == 2
                && tensors.values().stream().noneMatch(t -> t.shape().length == 3)) {
            if (lengths.length != pooledByModel.rows()) {
                throw new IllegalArgumentException("expected " + pooledByModel.rows() + " lengths, found "
                        + lengths.length);
            }
            int width = (int) pooledByModel.shape()[1];
            float[][] rows = new float[lengths.length][];
            for (int row = 0; row < lengths.length; row++) {
                rows[row] = Pooling.normalize(java.util.Arrays.copyOfRange(pooledByModel.data(), row * width,
                        (row + 1) * width));
            }
            return rows;
        }
        OutputTensor hidden = hiddenState();
        if (lengths.length != hidden.rows()) {
            throw new IllegalArgumentException("expected " + hidden.rows() + " lengths, found " + lengths.length);
        }
        float[][] pooled = new float[lengths.length][];
        for (int row = 0; row < lengths.length; row++) {
            pooled[row] = Pooling.normalize(Pooling.MEAN.pool(hidden, row, lengths[row]));
        }
        return pooled;
    }
}
