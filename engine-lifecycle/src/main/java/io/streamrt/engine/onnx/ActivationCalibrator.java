package io.streamrt.engine.onnx;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.streamrt.engine.EncoderBatch;
import io.streamrt.engine.internal.onnxruntime.OrtEnvironments;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Collects activation ranges for {@link QdqQuantizer} by running the model in ONNX Runtime (CPU) on tokenized
 * calibration texts, with the activations exposed as extra graph outputs.
 *
 * <p>{@link Method#PERCENTILE} (the default, at 99.99) clips the rare outliers of GELU and attention outputs that
 * {@link Method#MAX} would spend most of the 8-bit range on. Padding positions of {@code [batch, sequence, ...]}
 * tensors are left out: they never reach a sentence embedding.
 *
 * <pre>{@code
 * Map<String, ActivationRange> ranges = ActivationCalibrator.calibrate(model,
 *         quantizer.activationsToCalibrate(model), batches, ActivationCalibrator.Method.PERCENTILE, 99.99);
 * }</pre>
 */
public final class ActivationCalibrator {

    /** How a range is taken from the observed magnitudes. */
    public enum Method {
        /** The largest magnitude seen. */
        MAX,
        /** The given percentile of the magnitudes. */
        PERCENTILE
    }

    /** The percentile used unless told otherwise. */
    public static final double DEFAULT_PERCENTILE = 99.99;

    private static final int BINS = 8192;

    private ActivationCalibrator() {}

    /**
     * Runs every batch and returns a symmetric range per tensor.
     *
     * @param tensors float tensors produced by the graph's nodes
     * @param batches tokenized calibration texts; token type ids are fed as zeros where the model has them
     * @param percentile for {@link Method#PERCENTILE}, in (0, 100]
     * @throws OnnxModelException if ONNX Runtime cannot load or run the model
     */
    public static Map<String, ActivationRange> calibrate(OnnxModel model, List<String> tensors,
            List<EncoderBatch> batches, Method method, double percentile) {
        Objects.requireNonNull(method, "method");
        if (!(percentile > 0 && percentile <= 100)) {
            throw new IllegalArgumentException("percentile must be in (0, 100], found " + percentile);
        }
        if (batches.isEmpty()) {
            throw new IllegalArgumentException("no calibration batches: give at least one text");
        }
        Map<String, AbsHistogram> histograms = new LinkedHashMap<>();
        tensors.forEach(t -> histograms.put(t, new AbsHistogram(BINS)));
        OnnxModel exposed = model.withExtraOutputs(tensors);
        OrtEnvironment env = OrtEnvironments.get();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(Runtime.getRuntime().availableProcessors());
            options.setInterOpNumThreads(1);
            // Basic rewrites only: the exposed tensors must keep the meaning they have in the unfused graph.
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.BASIC_OPT);
            try (OrtSession session = env.createSession(exposed.toByteArray(), options)) {
                Set<String> outputs = histograms.keySet();
                for (EncoderBatch batch : batches) {
                    run(env, session, batch, outputs, histograms);
                }
            }
        } catch (OrtException e) {
            throw new OnnxModelException("ONNX Runtime could not run model " + model.source()
                    + " for calibration: " + e.getMessage(), e);
        }
        Map<String, ActivationRange> ranges = new LinkedHashMap<>();
        histograms.forEach((name, histogram) -> ranges.put(name, ActivationRange.symmetric(
                method == Method.MAX ? histogram.max() : histogram.percentile(percentile))));
        return ranges;
    }

    private static void run(OrtEnvironment env, OrtSession session, EncoderBatch batch, Set<String> outputs,
            Map<String, AbsHistogram> histograms) throws OrtException {
        long[] shape = {batch.size(), batch.sequenceLength()};
        long[] mask = new long[batch.inputIds().length];
        for (int row = 0; row < batch.size(); row++) {
            java.util.Arrays.fill(mask, row * batch.sequenceLength(), row * batch.sequenceLength()
                    + batch.lengths()[row], 1L);
        }
        Map<String, NodeInfo> inputInfo = session.getInputInfo();
        Map<String, OnnxTensor> inputs = new HashMap<>();
        try {
            inputs.put("input_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(batch.inputIds()), shape));
            inputs.put("attention_mask", OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape));
            if (inputInfo.containsKey("token_type_ids")) {
                inputs.put("token_type_ids", OnnxTensor.createTensor(env,
                        LongBuffer.wrap(new long[batch.inputIds().length]), shape));
            }
            if (!inputInfo.keySet().equals(inputs.keySet())) {
                throw new OnnxModelException("calibration feeds input_ids, attention_mask and token_type_ids; model "
                        + "inputs are " + inputInfo.keySet() + ": calibrate a BERT-family encoder with these inputs");
            }
            try (OrtSession.Result result = session.run(inputs, outputs)) {
                for (Map.Entry<String, OnnxValue> entry : result) {
                    collect((OnnxTensor) entry.getValue(), batch, histograms.get(entry.getKey()));
                }
            }
        } finally {
            inputs.values().forEach(OnnxTensor::close);
        }
    }

    private static void collect(OnnxTensor tensor, EncoderBatch batch, AbsHistogram histogram) {
        long[] dims = tensor.getInfo().getShape();
        FloatBuffer buffer = tensor.getFloatBuffer();
        if (buffer == null) {
            throw new OnnxModelException("calibration expects float activations, found " + tensor.getInfo().type
                    + " for a tensor of shape " + java.util.Arrays.toString(dims)
                    + ": only the float inputs of MatMul/Gemm can be calibrated");
        }
        float[] values = new float[buffer.remaining()];
        buffer.get(values);
        if (dims.length >= 3 && dims[0] == batch.size() && dims[1] == batch.sequenceLength()) {
            int perToken = (int) (values.length / (dims[0] * dims[1]));
            for (int row = 0; row < batch.size(); row++) {
                int start = row * batch.sequenceLength() * perToken;
                histogram.add(values, start, start + batch.lengths()[row] * perToken);
            }
        } else {
            histogram.add(values, 0, values.length);
        }
    }
}
