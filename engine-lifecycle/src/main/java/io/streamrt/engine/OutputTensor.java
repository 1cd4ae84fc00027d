package io.streamrt.engine;

import java.util.Arrays;
import java.util.Objects;

/**
 * One float output of a model for a batch, row-major, its first dimension the batch: a last hidden state
 * {@code [batch, sequence, hidden]}, a pooled {@code sentence_embedding [batch, hidden]}, classification
 * {@code logits [batch, labels]}, token classification {@code logits [batch, sequence, labels]}.
 *
 * <pre>{@code
 * OutputTensor logits = output.tensor("logits");
 * float[] row = logits.row(3);   // the fourth record's logits
 * }</pre>
 *
 * @param name as the model names it
 * @param shape its dimensions, the first being the batch's size
 * @param data {@code product(shape)} values
 */
public record OutputTensor(String name, long[] shape, float[] data) {

    public OutputTensor {
        Objects.requireNonNull(name, "name");
        if (shape.length < 1) {
            throw new IllegalArgumentException("output '" + name + "' has no batch dimension: shape []");
        }
        long count = 1;
        for (long dim : shape) {
            count *= dim;
        }
        if (count != data.length) {
            throw new IllegalArgumentException("output '" + name + "' of shape " + Arrays.toString(shape)
                    + " needs " + count + " values, found " + data.length);
        }
    }

    /** Rows: the batch's size. */
    public int rows() {
        return (int) shape[0];
    }

    /** Values per row: the product of the dimensions after the batch's. */
    public int rowLength() {
        return data.length / rows();
    }

    /** A copy of row {@code i}'s values. */
    public float[] row(int i) {
        int length = rowLength();
        return Arrays.copyOfRange(data, i * length, (i + 1) * length);
    }

    /** The last dimension: the hidden size, or the number of labels. */
    public int lastDimension() {
        return (int) shape[shape.length - 1];
    }

    @Override
    public String toString() {
        return name + " " + Arrays.toString(shape);
    }
}
