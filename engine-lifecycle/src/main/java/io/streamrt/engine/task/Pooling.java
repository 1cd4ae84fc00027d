package io.streamrt.engine.task;

import io.streamrt.engine.HasId;
import io.streamrt.engine.OutputTensor;

/**
 * How a sentence embedding is made from the token vectors of the last hidden state {@code [batch, sequence,
 * hidden]}, as sentence-transformers' {@code 1_Pooling/config.json} declares it ({@code pooling_mode_cls_token},
 * {@code pooling_mode_mean_tokens}, ...). Only a row's real tokens count, never its padding.
 *
 * <pre>{@code
 * float[] embedding = Pooling.normalize(Pooling.CLS.pool(hidden, row, length));
 * }</pre>
 */
public enum Pooling implements HasId {
    /** The first token's vector ([CLS]): BGE. */
    CLS,
    /** The mean of the token vectors: MiniLM, e5, most sentence-transformers models; the default. */
    MEAN,
    /** The element-wise maximum of the token vectors. */
    MAX,
    /** The sum of the token vectors over the square root of their count. */
    MEAN_SQRT_LEN,
    /** The last real token's vector: decoder-style embedding models. */
    LAST_TOKEN;

    /** The ids, in declaration order, for messages: {@code cls, mean, max, mean-sqrt-len, last-token}. */
    public static String ids() {
        return HasId.ids(Pooling.class);
    }

    /**
     * The pooling named {@code id}.
     *
     * @throws IllegalArgumentException naming the accepted ids
     */
    public static Pooling of(String id) {
        return HasId.parse(Pooling.class, id, "pooling");
    }

    /**
     * Pools row {@code row} of a hidden state over its first {@code length} tokens.
     *
     * @param hidden {@code [batch, sequence, hidden]}
     */
    public float[] pool(OutputTensor hidden, int row, int length) {
        long[] shape = hidden.shape();
        if (shape.length != 3) {
            throw new IllegalArgumentException("pooling needs a [batch, sequence, hidden] output, found " + hidden);
        }
        int sequence = (int) shape[1];
        int width = (int) shape[2];
        if (length < 1 || length > sequence) {
            throw new IllegalArgumentException("row length must be in 1.." + sequence + ", found " + length);
        }
        float[] data = hidden.data();
        int base = row * sequence * width;
        float[] out = new float[width];
        switch (this) {
            case CLS -> System.arraycopy(data, base, out, 0, width);
            case LAST_TOKEN -> System.arraycopy(data, base + (length - 1) * width, out, 0, width);
            case MAX -> {
                System.arraycopy(data, base, out, 0, width);
                for (int t = 1; t < length; t++) {
                    int offset = base + t * width;
                    for (int d = 0; d < width; d++) {
                        out[d] = Math.max(out[d], data[offset + d]);
                    }
                }
            }
            case MEAN, MEAN_SQRT_LEN -> {
                for (int t = 0; t < length; t++) {
                    int offset = base + t * width;
                    for (int d = 0; d < width; d++) {
                        out[d] += data[offset + d];
                    }
                }
                float divisor = this == MEAN ? length : (float) Math.sqrt(length);
                for (int d = 0; d < width; d++) {
                    out[d] /= divisor;
                }
            }
        }
        return out;
    }

    /** Scales {@code vector} to unit L2 norm, in place; all zeros stay zeros. Returns it. */
    public static float[] normalize(float[] vector) {
        double norm = 0;
        for (float v : vector) {
            norm += (double) v * v;
        }
        float scale = norm > 0 ? (float) (1.0 / Math.sqrt(norm)) : 0f;
        for (int d = 0; d < vector.length; d++) {
            vector[d] *= scale;
        }
        return vector;
    }
}
