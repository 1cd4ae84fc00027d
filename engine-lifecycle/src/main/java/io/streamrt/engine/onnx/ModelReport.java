package io.streamrt.engine.onnx;

import io.streamrt.engine.HasId;
import java.util.List;
import java.util.Map;

/**
 * What {@link OnnxModel#inspect()} finds in a model.
 *
 * <pre>{@code
 * ModelReport report = OnnxModel.read(Path.of("model.onnx")).inspect();
 * if (report.quantization() == ModelReport.Quantization.DYNAMIC) {
 *     // TensorRT cannot run it: quantize the FP32 model to Q/DQ instead
 * }
 * report.weights().forEach(w -> System.out.println(w.name() + " " + w.sparsity24()));
 * }</pre>
 *
 * @param source where the model was read from
 * @param irVersion the ONNX IR version
 * @param opset the default-domain operator set version (0 if not imported)
 * @param opsets every imported operator set, domain ("" for the default) to version
 * @param producer producer name and version as written by the exporter
 * @param inputs the graph inputs that are fed at run time (initializers excluded)
 * @param outputs the graph outputs
 * @param opCounts node count per operator (non-default domains as {@code domain:Op}), most frequent first
 * @param parameters elements in all initializers
 * @param parameterBytes bytes of all initializers' values
 * @param quantization how the model is quantized
 * @param weights every MatMul/Gemm weight matrix
 */
public record ModelReport(
        String source,
        long irVersion,
        long opset,
        Map<String, Long> opsets,
        String producer,
        List<Value> inputs,
        List<Value> outputs,
        Map<String, Integer> opCounts,
        long parameters,
        long parameterBytes,
        Quantization quantization,
        List<Weight> weights) {

    /** The quantization form of a model. */
    public enum Quantization implements HasId {
        /** No quantization operators: float weights and activations. */
        NONE,
        /** DynamicQuantizeLinear with MatMulInteger/ConvInteger: activations quantized at run time; CPU only. */
        DYNAMIC,
        /** QuantizeLinear/DequantizeLinear pairs around float operators: what TensorRT builds INT8 engines from. */
        QDQ,
        /** QLinearMatMul/QLinearConv and similar integer operators with static scales. */
        QOPERATOR;

        /** The lower-case name used in JSON and on the command line. */
        public String label() {
            return id();
        }
    }

    /**
     * A graph input or output.
     *
     * @param dtype element type, e.g. {@code int64}, {@code float32}
     * @param shape one entry per dimension: a number, or the symbolic name of a dynamic one ("?" if unnamed)
     */
    public record Value(String name, String dtype, List<String> shape) {}

    /**
     * A weight matrix of a MatMul or Gemm.
     *
     * @param op the consuming operator (MatMul, Gemm, MatMulInteger, QLinearMatMul)
     * @param shape the stored shape
     * @param dtype the stored element type ({@code float32}, or {@code int8}/{@code uint8} when quantized)
     * @param reductionAxis the axis the product sums over; 2:4 groups run along it
     * @param groups the number of whole groups of 4 along the reduction axis
     * @param sparsity24 the share of those groups holding at most 2 non-zeros (a quantized value counts as zero
     *     when it equals the zero point), from 0 to 1
     */
    public record Weight(String name, String op, List<Long> shape, String dtype, int reductionAxis, long groups,
            double sparsity24) {

        /** Every group of 4 along the reduction axis has at most 2 non-zeros. */
        public boolean is24Sparse() {
            return groups > 0 && sparsity24 == 1.0;
        }
    }
}
