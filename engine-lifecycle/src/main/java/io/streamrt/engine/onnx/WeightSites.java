package io.streamrt.engine.onnx;

import io.streamrt.engine.onnx.proto.Onnx.AttributeProto;
import io.streamrt.engine.onnx.proto.Onnx.GraphProto;
import io.streamrt.engine.onnx.proto.Onnx.NodeProto;
import io.streamrt.engine.onnx.proto.Onnx.TensorProto;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds the weight matrices of MatMul and Gemm nodes: the constant second operand, stored as a float initializer
 * or, in quantized models, as an 8-bit initializer behind DequantizeLinear (Q/DQ) or inside MatMulInteger /
 * QLinearMatMul (dynamic and QOperator forms).
 */
final class WeightSites {

    /**
     * One weight matrix of rank 2.
     *
     * @param op the consuming operator: MatMul, Gemm, MatMulInteger or QLinearMatMul
     * @param tensor the initializer holding the values (float, or 8-bit when quantized)
     * @param reductionAxis the axis summed over by the product: 0 for MatMul's B {@code [K, N]}, 1 for Gemm with
     *     {@code transB=1}
     * @param zeroPoint the quantization zero point (a scalar or one per output channel), null for float weights
     * @param consumers the nodes that read the float weight as their input 1 (float weights only)
     */
    record Site(String op, TensorProto tensor, int reductionAxis, TensorProto zeroPoint, List<NodeProto> consumers) {

        int channelAxis() {
            return 1 - reductionAxis;
        }
    }

    private WeightSites() {}

    /** Operators a head's output may pass through after its MatMul/Gemm: bias, shape and type changes. */
    private static final java.util.Set<String> HEAD_PASS_THROUGH = java.util.Set.of("Add", "Identity", "Reshape",
            "Squeeze", "Unsqueeze", "Flatten", "Cast");

    /**
     * The weight of the model's head: the float MatMul/Gemm weight whose product reaches the graph output
     * {@code output} through bias, shape and type changes only (a classifier's {@code logits = pooled · W + b}).
     *
     * @return its initializer's name, or null when the output does not come straight from such a product
     */
    static String headWeight(GraphProto graph, String output) {
        Map<String, TensorProto> initializers = initializers(graph);
        Map<String, NodeProto> producers = new HashMap<>();
        for (NodeProto node : graph.getNodeList()) {
            for (String out : node.getOutputList()) {
                producers.put(out, node);
            }
        }
        String value = output;
        for (int step = 0; step < 16; step++) {
            NodeProto node = producers.get(value);
            if (node == null || !OnnxModel.isDefaultDomain(node.getDomain())) {
                return null;
            }
            String op = node.getOpType();
            if ("MatMul".equals(op) || "Gemm".equals(op)) {
                for (int i = 0; i < Math.min(2, node.getInputCount()); i++) {
                    TensorProto tensor = initializers.get(node.getInput(i));
                    if (tensor != null && tensor.getDimsCount() == 2 && tensor.getDataType() == TensorData.FLOAT) {
                        return tensor.getName();
                    }
                }
                return null;
            }
            if (!HEAD_PASS_THROUGH.contains(op)) {
                return null;
            }
            // Follow the one input that is not a constant.
            String next = null;
            for (String input : node.getInputList()) {
                if (!input.isEmpty() && !initializers.containsKey(input)) {
                    if (next != null) {
                        return null;
                    }
                    next = input;
                }
            }
            if (next == null) {
                return null;
            }
            value = next;
        }
        return null;
    }

    /** Every weight matrix of the main graph, each initializer once, in node order. */
    static List<Site> find(GraphProto graph) {
        Map<String, TensorProto> initializers = initializers(graph);
        Map<String, NodeProto> producers = new HashMap<>();
        for (NodeProto node : graph.getNodeList()) {
            for (String output : node.getOutputList()) {
                producers.put(output, node);
            }
        }
        Map<String, Site> sites = new LinkedHashMap<>();
        for (NodeProto node : graph.getNodeList()) {
            if (!OnnxModel.isDefaultDomain(node.getDomain())) {
                continue;
            }
            switch (node.getOpType()) {
                case "MatMul", "Gemm" -> {
                    if (node.getInputCount() < 2) {
                        continue;
                    }
                    int reduction = "Gemm".equals(node.getOpType()) && intAttribute(node, "transB", 0) == 1 ? 1 : 0;
                    String weight = node.getInput(1);
                    TensorProto tensor = initializers.get(weight);
                    if (tensor != null && tensor.getDimsCount() == 2 && tensor.getDataType() == TensorData.FLOAT) {
                        Site site = sites.get(tensor.getName());
                        if (site == null) {
                            site = new Site(node.getOpType(), tensor, reduction, null, new ArrayList<>());
                            sites.put(tensor.getName(), site);
                        }
                        site.consumers().add(node);
                        continue;
                    }
                    NodeProto dq = producers.get(weight);
                    if (dq != null && "DequantizeLinear".equals(dq.getOpType())) {
                        TensorProto quantized = initializers.get(dq.getInput(0));
                        if (quantized != null && quantized.getDimsCount() == 2) {
                            TensorProto zero = dq.getInputCount() > 2 ? initializers.get(dq.getInput(2)) : null;
                            sites.putIfAbsent(quantized.getName(),
                                    new Site(node.getOpType(), quantized, reduction, zero, List.of()));
                        }
                    }
                }
                case "MatMulInteger" -> addQuantized(sites, initializers, node, 1, 3);
                case "QLinearMatMul" -> addQuantized(sites, initializers, node, 3, 5);
                default -> { }
            }
        }
        return new ArrayList<>(sites.values());
    }

    private static void addQuantized(Map<String, Site> sites, Map<String, TensorProto> initializers, NodeProto node,
            int weightInput, int zeroInput) {
        if (node.getInputCount() <= weightInput) {
            return;
        }
        TensorProto tensor = initializers.get(node.getInput(weightInput));
        if (tensor != null && tensor.getDimsCount() == 2) {
            TensorProto zero = node.getInputCount() > zeroInput ? initializers.get(node.getInput(zeroInput)) : null;
            sites.putIfAbsent(tensor.getName(), new Site(node.getOpType(), tensor, 0, zero, List.of()));
        }
    }

    /**
     * Why a float weight cannot be rewritten in place, or null if it can: it must be read only as input 1 of
     * MatMul/Gemm nodes (a table also read by Gather, as tied embeddings are, stays as it is) and must not be a
     * graph output.
     */
    static String sharedUse(GraphProto graph, Site site) {
        String name = site.tensor().getName();
        for (NodeProto node : graph.getNodeList()) {
            for (int i = 0; i < node.getInputCount(); i++) {
                if (name.equals(node.getInput(i)) && !(i == 1 && site.consumers().contains(node))) {
                    return "also read by " + node.getOpType() + " node '" + node.getName() + "' (input " + i + ")";
                }
            }
        }
        for (var output : graph.getOutputList()) {
            if (name.equals(output.getName())) {
                return "a graph output";
            }
        }
        return null;
    }

    static Map<String, TensorProto> initializers(GraphProto graph) {
        Map<String, TensorProto> initializers = new HashMap<>();
        for (TensorProto tensor : graph.getInitializerList()) {
            initializers.put(tensor.getName(), tensor);
        }
        return initializers;
    }

    static long intAttribute(NodeProto node, String name, long fallback) {
        for (AttributeProto attribute : node.getAttributeList()) {
            if (name.equals(attribute.getName())) {
                return attribute.getI();
            }
        }
        return fallback;
    }

    /**
     * The share of groups of 4 consecutive elements along the reduction axis that hold at most 2 non-zeros (2:4
     * compliance), with the number of whole groups; a trailing partial group is not counted.
     */
    static double[] compliance24(Site site) {
        TensorProto tensor = site.tensor();
        int rows = (int) tensor.getDims(0);
        int cols = (int) tensor.getDims(1);
        boolean[] nonZero = new boolean[rows * cols];
        if (tensor.getDataType() == TensorData.FLOAT) {
            float[] values = TensorData.floats(tensor);
            for (int i = 0; i < values.length; i++) {
                nonZero[i] = values[i] != 0f;
            }
        } else {
            int[] values = TensorData.bytesAsInts(tensor);
            int[] zero = site.zeroPoint() == null ? new int[] {0} : TensorData.bytesAsInts(site.zeroPoint());
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    int channel = site.channelAxis() == 1 ? c : r;
                    int zp = zero.length == 1 ? zero[0] : zero[Math.min(channel, zero.length - 1)];
                    nonZero[r * cols + c] = values[r * cols + c] != zp;
                }
            }
        }
        int reduce = site.reductionAxis() == 0 ? rows : cols;
        int other = site.reductionAxis() == 0 ? cols : rows;
        long groups = 0;
        long compliant = 0;
        for (int o = 0; o < other; o++) {
            for (int g = 0; g + 4 <= reduce; g += 4) {
                int count = 0;
                for (int k = g; k < g + 4; k++) {
                    int index = site.reductionAxis() == 0 ? k * cols + o : o * cols + k;
                    if (nonZero[index]) {
                        count++;
                    }
                }
                groups++;
                if (count <= 2) {
                    compliant++;
                }
            }
        }
        return new double[] {groups == 0 ? 0 : (double) compliant / groups, groups};
    }
}
