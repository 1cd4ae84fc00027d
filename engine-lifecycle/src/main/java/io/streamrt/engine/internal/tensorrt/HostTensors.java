package io.streamrt.engine.internal.tensorrt;

import io.streamrt.engine.EncoderBatch;
import io.streamrt.engine.EngineException;
import io.streamrt.engine.EngineInfo;
import io.streamrt.engine.onnx.Half;
import java.util.Arrays;

/**
 * Host-side data handling around a TensorRT run, free of native calls: limit checks, the attention mask, index
 * narrowing for int32 inputs, fp16 outputs, output shape checks.
 *
 * <pre>{@code
 * int[] ids = HostTensors.narrow(batch.inputIds());
 * }</pre>
 */
final class HostTensors {

    private HostTensors() {}

    /** For engines whose inputs TensorRT typed int32: token ids and masks always fit. */
    static int[] narrow(long[] values) {
        int[] narrowed = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            long v = values[i];
            if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
                throw new EngineException("token id " + v + " at position " + i + " does not fit the engine's int32 "
                        + "input; check that the tokenizer matches the model");
            }
            narrowed[i] = (int) v;
        }
        return narrowed;
    }

    /** IEEE 754 half precision to float (what an fp16 model's output holds). */
    static float halfToFloat(short half) {
        return Half.toFloat(half);
    }

    static float[] halvesToFloats(short[] halves) {
        float[] floats = new float[halves.length];
        for (int i = 0; i < halves.length; i++) {
            floats[i] = halfToFloat(halves[i]);
        }
        return floats;
    }

    /** As {@link #checkOutputShape}, for an output of one vector per row (pooled, logits): {@code [rows, width]}. */
    static void checkRowOutputShape(String output, long[] dims, int rows, int width) {
        if (dims.length != 2 || dims[0] != rows || dims[1] != width) {
            throw new EngineException("output '" + output + "' has shape " + Arrays.toString(dims) + ", expected ["
                    + rows + ", " + width + "]; an output of one vector per row must be [batch, width]");
        }
    }

    /** Fails unless the output is {@code [rows, sequence, width]}. */
    static void checkOutputShape(String output, long[] dims, int rows, int sequence, int width) {
        if (dims.length != 3 || dims[0] != rows || dims[1] != sequence || dims[2] != width) {
            throw new EngineException("output '" + output + "' has shape " + Arrays.toString(dims) + ", expected ["
                    + rows + ", " + sequence + ", " + width + "]; an output of one vector per token must be [batch, "
                    + "sequence, width]");
        }
    }
}
