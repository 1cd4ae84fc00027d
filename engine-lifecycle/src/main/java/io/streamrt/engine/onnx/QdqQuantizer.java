package io.streamrt.engine.onnx;

import io.streamrt.engine.onnx.proto.Onnx.AttributeProto;
import io.streamrt.engine.onnx.proto.Onnx.GraphProto;
import io.streamrt.engine.onnx.proto.Onnx.ModelProto;
import io.streamrt.engine.onnx.proto.Onnx.NodeProto;
import io.streamrt.engine.onnx.proto.Onnx.TensorProto;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Static INT8 quantization in Q/DQ form, the form TensorRT builds INT8 engines from and ONNX Runtime runs on CPU.
 *
 * <ul>
 *   <li>MatMul/Gemm weights: per output channel, symmetric int8 in {@code [-127, 127]}, stored as INT8
 *       initializers behind a per-axis DequantizeLinear.
 *   <li>The activations those MatMul/Gemm nodes read: per tensor, symmetric int8 (zero point 0, the only kind
 *       TensorRT accepts), as a QuantizeLinear/DequantizeLinear pair from the calibrated range. Only the
 *       MatMul/Gemm reads the quantized copy; residual Adds, LayerNorm, Softmax and GELU keep the float tensor.
 *   <li>Activation-activation products (attention's {@code Q·Kᵀ} and {@code P·V}) stay in float: their ranges
 *       move with every input, and Softmax output quantized to 8 bits costs most of the accuracy.
 * </ul>
 *
 * <p>Per-axis DequantizeLinear needs opset 13: models exported at 11 or 12 are raised to 13, rewriting the
 * operators whose signature changed (Unsqueeze, Squeeze, ReduceSum, Split, Dropout, Softmax). Weights read by
 * anything but MatMul/Gemm (tied embeddings) stay float. Activations matching {@link
 * Builder#keepFloat(java.util.regex.Pattern)} stay float too: on all-MiniLM-L6-v2, keeping the GELU outputs
 * (the FFN down-projection inputs, {@code .*intermediate_act_fn.*}) in float raised the mean cosine to FP32 from
 * about 0.986 to 0.994, at some CPU speed.
 *
 * <pre>{@code
 * QdqQuantizer quantizer = QdqQuantizer.defaults();
 * List<String> tensors = quantizer.activationsToCalibrate(model);
 * Map<String, ActivationRange> ranges = ActivationCalibrator.calibrate(model, tensors, batches, options);
 * quantizer.quantize(model, ranges).model().write(Path.of("model-int8-qdq.onnx"));
 * }</pre>
 */
public final class QdqQuantizer {

    /** Weights with fewer elements stay float: quantizing them saves nothing measurable. */
    public static final int DEFAULT_MIN_ELEMENTS = 4096;

    private static final int QMAX = 127;

    private final int minElements;
    private final java.util.regex.Pattern keepFloat;
    private final Map<String, String> keepWeights;

    private QdqQuantizer(int minElements, java.util.regex.Pattern keepFloat, Map<String, String> keepWeights) {
        this.minElements = minElements;
        this.keepFloat = keepFloat;
        this.keepWeights = Map.copyOf(keepWeights);
    }

    public static QdqQuantizer defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * What was done.
     *
     * @param model the quantized model
     * @param weights the weight initializers now stored as int8
     * @param activations the activation tensors now quantized, with the range used
     * @param skipped weights and activations left in float, name to reason
     */
    public record Result(OnnxModel model, List<String> weights, Map<String, ActivationRange> activations,
            Map<String, String> skipped) {}

    /** The activation tensors whose ranges {@link #quantize} needs: the data inputs of quantizable MatMul/Gemm. */
    public List<String> activationsToCalibrate(OnnxModel model) {
        GraphProto graph = model.proto().getGraph();
        Set<String> initializers = WeightSites.initializers(graph).keySet();
        Set<String> names = new LinkedHashSet<>();
        for (WeightSites.Site site : eligible(graph, new LinkedHashMap<>())) {
            for (NodeProto node : site.consumers()) {
                String activation = node.getInput(0);
                if (!initializers.contains(activation)
                        && (keepFloat == null || !keepFloat.matcher(activation).matches())) {
                    names.add(activation);
                }
            }
        }
        return List.copyOf(names);
    }

    /**
     * Quantizes a model; the input model is not changed.
     *
     * @param ranges calibrated ranges of the tensors named by {@link #activationsToCalibrate}; an activation without
     *     a range (or with an empty one) stays float and is listed in {@link Result#skipped()}
     * @throws OnnxModelException if the model is already quantized or cannot be raised to opset 13
     */
    public Result quantize(OnnxModel model, Map<String, ActivationRange> ranges) {
        Objects.requireNonNull(ranges, "ranges");
        ModelReport.Quantization existing = model.inspect().quantization();
        if (existing != ModelReport.Quantization.NONE) {
            throw new OnnxModelException("model " + model.source() + " is already quantized (" + existing.label()
                    + "): quantize the float (FP32) model instead");
        }
        ModelProto upgraded = OpsetUpgrader.upgrade(model.proto(), model.source());
        GraphProto graph = upgraded.getGraph();
        Set<String> names = new HashSet<>();
        OpsetUpgrader.collectNames(graph, names);
        Map<String, String> skipped = new LinkedHashMap<>();
        List<WeightSites.Site> sites = eligible(graph, skipped);

        GraphProto.Builder builder = graph.toBuilder().clearNode();
        List<NodeProto> weightNodes = new ArrayList<>();
        // Consumer node (by identity of its position) -> input index -> new tensor name.
        Map<NodeProto, Map<Integer, String>> rewires = new HashMap<>();
        Set<String> removedInitializers = new HashSet<>();
        List<String> weights = new ArrayList<>();
        for (WeightSites.Site site : sites) {
            String dequantized = quantizeWeight(site, builder, weightNodes, names);
            for (NodeProto consumer : site.consumers()) {
                rewires.computeIfAbsent(consumer, n -> new HashMap<>()).put(1, dequantized);
            }
            removedInitializers.add(site.tensor().getName());
            weights.add(site.tensor().getName());
        }

        // Activation -> its DequantizeLinear output, built once and shared by every consumer.
        Map<String, List<NodeProto>> activationNodes = new LinkedHashMap<>();
        Map<String, ActivationRange> used = new LinkedHashMap<>();
        Set<String> initializers = WeightSites.initializers(graph).keySet();
        for (WeightSites.Site site : sites) {
            for (NodeProto consumer : site.consumers()) {
                String activation = consumer.getInput(0);
                if (initializers.contains(activation)) {
                    continue;
                }
                if (keepFloat != null && keepFloat.matcher(activation).matches()) {
                    skipped.putIfAbsent(activation, "kept float (matches " + keepFloat + ")");
                    continue;
                }
                if (!activationNodes.containsKey(activation)) {
                    ActivationRange range = ranges.get(activation);
                    if (range == null || range.absMax() == 0f) {
                        skipped.putIfAbsent(activation, range == null ? "no calibrated range" : "range is [0, 0]");
                        continue;
                    }
                    activationNodes.put(activation, quantizeActivation(activation, range, builder, names));
                    used.put(activation, range);
                }
                String dequantized = activationNodes.get(activation).get(1).getOutput(0);
                rewires.computeIfAbsent(consumer, n -> new HashMap<>()).put(0, dequantized);
            }
        }

        // Keep the nodes in topological order: weight DQs first, each activation's Q/DQ right after its producer.
        builder.addAllNode(weightNodes);
        Set<String> graphInputs = new HashSet<>();
        graph.getInputList().forEach(v -> graphInputs.add(v.getName()));
        activationNodes.forEach((activation, nodes) -> {
            if (graphInputs.contains(activation)) {
                builder.addAllNode(nodes);
            }
        });
        for (NodeProto node : graph.getNodeList()) {
            Map<Integer, String> rewire = rewires.get(node);
            if (rewire == null) {
                builder.addNode(node);
            } else {
                NodeProto.Builder changed = node.toBuilder();
                rewire.forEach(changed::setInput);
                builder.addNode(changed);
            }
            for (String output : node.getOutputList()) {
                List<NodeProto> nodes = activationNodes.get(output);
                if (nodes != null) {
                    builder.addAllNode(nodes);
                }
            }
        }
        List<TensorProto> keptInitializers = builder.getInitializerList().stream()
                .filter(t -> !removedInitializers.contains(t.getName())).toList();
        builder.clearInitializer().addAllInitializer(keptInitializers);

        OnnxModel result = model.withProto(upgraded.toBuilder().setGraph(builder).build());
        return new Result(result, List.copyOf(weights), Map.copyOf(used), Map.copyOf(skipped));
    }

    private List<WeightSites.Site> eligible(GraphProto graph, Map<String, String> skipped) {
        List<WeightSites.Site> sites = new ArrayList<>();
        for (WeightSites.Site site : WeightSites.find(graph)) {
            TensorProto tensor = site.tensor();
            if (tensor.getDataType() != TensorData.FLOAT) {
                continue;
            }
            if (keepWeights.containsKey(tensor.getName())) {
                skipped.put(tensor.getName(), keepWeights.get(tensor.getName()));
                continue;
            }
            if (TensorData.elementCount(tensor) < minElements) {
                skipped.put(tensor.getName(), "fewer than " + minElements + " elements");
                continue;
            }
            String shared = WeightSites.sharedUse(graph, site);
            if (shared != null) {
                skipped.put(tensor.getName(), shared);
                continue;
            }
            sites.add(site);
        }
        return sites;
    }

    /** Adds the int8 weight, its per-channel scales and zero points, and the DequantizeLinear; returns its output. */
    private static String quantizeWeight(WeightSites.Site site, GraphProto.Builder graph, List<NodeProto> nodes,
            Set<String> names) {
        TensorProto tensor = site.tensor();
        int rows = (int) tensor.getDims(0);
        int cols = (int) tensor.getDims(1);
        int channelAxis = site.channelAxis();
        int channels = channelAxis == 1 ? cols : rows;
        float[] values = TensorData.floats(tensor);
        float[] absMax = new float[channels];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                int channel = channelAxis == 1 ? c : r;
                absMax[channel] = Math.max(absMax[channel], Math.abs(values[r * cols + c]));
            }
        }
        float[] scales = new float[channels];
        for (int ch = 0; ch < channels; ch++) {
            // An all-zero channel still needs a positive scale; any value dequantizes its zeros to zero.
            scales[ch] = absMax[ch] > 0 ? absMax[ch] / QMAX : 1f;
        }
        byte[] quantized = new byte[values.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                int channel = channelAxis == 1 ? c : r;
                long q = Math.round(values[r * cols + c] / scales[channel]);
                quantized[r * cols + c] = (byte) Math.max(-QMAX, Math.min(QMAX, q));
            }
        }
        String base = tensor.getName();
        String qName = OpsetUpgrader.unique(names, base + "_quantized");
        String scaleName = OpsetUpgrader.unique(names, base + "_scale");
        String zeroName = OpsetUpgrader.unique(names, base + "_zero_point");
        String output = OpsetUpgrader.unique(names, base + "_dequantized");
        graph.addInitializer(TensorData.int8Tensor(qName, tensor.getDimsList(), quantized));
        graph.addInitializer(TensorData.floatTensor(scaleName, List.of((long) channels), scales));
        graph.addInitializer(TensorData.int8Tensor(zeroName, List.of((long) channels), new byte[channels]));
        nodes.add(NodeProto.newBuilder().setOpType("DequantizeLinear").setName(OpsetUpgrader.unique(names, output))
                .addInput(qName).addInput(scaleName).addInput(zeroName).addOutput(output)
                .addAttribute(AttributeProto.newBuilder().setName("axis").setType(AttributeProto.AttributeType.INT)
                        .setI(channelAxis))
                .build());
        return output;
    }

    /** Adds scale and zero point and the QuantizeLinear -> DequantizeLinear pair; returns the two nodes. */
    private static List<NodeProto> quantizeActivation(String activation, ActivationRange range,
            GraphProto.Builder graph, Set<String> names) {
        String scaleName = OpsetUpgrader.unique(names, activation + "_scale");
        String zeroName = OpsetUpgrader.unique(names, activation + "_zero_point");
        String quantized = OpsetUpgrader.unique(names, activation + "_quantized");
        String dequantized = OpsetUpgrader.unique(names, activation + "_dequantized");
        graph.addInitializer(TensorData.floatTensor(scaleName, List.of(), new float[] {range.absMax() / QMAX}));
        graph.addInitializer(TensorData.int8Tensor(zeroName, List.of(), new byte[1]));
        NodeProto q = NodeProto.newBuilder().setOpType("QuantizeLinear").setName(OpsetUpgrader.unique(names, quantized))
                .addInput(activation).addInput(scaleName).addInput(zeroName).addOutput(quantized).build();
        NodeProto dq = NodeProto.newBuilder().setOpType("DequantizeLinear")
                .setName(OpsetUpgrader.unique(names, dequantized))
                .addInput(quantized).addInput(scaleName).addInput(zeroName).addOutput(dequantized).build();
        return List.of(q, dq);
    }

    /** Settings of a {@link QdqQuantizer}. */
    public static final class Builder {

        private int minElements = DEFAULT_MIN_ELEMENTS;
        private java.util.regex.Pattern keepFloat;
        private final Map<String, String> keepWeights = new LinkedHashMap<>();

        Builder() {}

        /** Leaves the weight (an initializer's name) and its activation float, listed as skipped with {@code reason}. */
        public Builder keepWeight(String weight, String reason) {
            keepWeights.put(weight, reason);
            return this;
        }

        /**
         * Activations whose whole name matches stay float (their MatMul/Gemm weight is still int8); none by
         * default.
         */
        public Builder keepFloat(java.util.regex.Pattern keepFloat) {
            this.keepFloat = keepFloat;
            return this;
        }

        /** Weights with fewer elements stay float (default {@value QdqQuantizer#DEFAULT_MIN_ELEMENTS}). */
        public Builder minElements(int minElements) {
            this.minElements = minElements;
            return this;
        }

        public QdqQuantizer build() {
            if (minElements < 1) {
                throw new IllegalArgumentException("minElements must be at least 1, found " + minElements);
            }
            return new QdqQuantizer(minElements, keepFloat, keepWeights);
        }
    }
}
