package io.streamrt.engine.onnx;

import io.streamrt.engine.onnx.proto.Onnx.AttributeProto;
import io.streamrt.engine.onnx.proto.Onnx.GraphProto;
import io.streamrt.engine.onnx.proto.Onnx.ModelProto;
import io.streamrt.engine.onnx.proto.Onnx.NodeProto;
import io.streamrt.engine.onnx.proto.Onnx.OperatorSetIdProto;
import io.streamrt.engine.onnx.proto.Onnx.TensorProto;
import io.streamrt.engine.onnx.proto.Onnx.ValueInfoProto;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Raises the default-domain opset of a model exported at opset 11 or 12 to 13, the first with per-axis
 * (per-channel) DequantizeLinear, rewriting the operators whose signature changed on the way: the {@code axes} of
 * Unsqueeze, Squeeze and ReduceSum and the {@code split} of Split move from attributes to inputs, Dropout's
 * {@code ratio} likewise. Softmax, LogSoftmax and Hardmax changed meaning at 13 (one axis instead of a 2-D view
 * flattened at the axis): where the axis is known to be the last (written as -1, or the rank is in the graph's
 * value infos) both meanings agree and only the attribute changes; elsewhere the node becomes Flatten, the
 * operator over the last axis and a Reshape back, which is exact.
 */
final class OpsetUpgrader {

    static final long TARGET = 13;
    /** IR version 7 is the first that opset 13 may be used with. */
    private static final long MIN_IR_VERSION = 7;

    private OpsetUpgrader() {}

    static ModelProto upgrade(ModelProto model, String source) {
        long opset = 0;
        int index = -1;
        for (int i = 0; i < model.getOpsetImportCount(); i++) {
            if (OnnxModel.isDefaultDomain(model.getOpsetImport(i).getDomain())) {
                opset = model.getOpsetImport(i).getVersion();
                index = i;
            }
        }
        if (opset >= TARGET) {
            return model;
        }
        if (opset < 11) {
            throw new OnnxModelException("model " + source + " uses opset " + opset + "; Q/DQ quantization needs "
                    + "opset " + TARGET + " and converts from 11 or 12 only: export the model at opset 13 or later");
        }
        Set<String> names = new HashSet<>();
        collectNames(model.getGraph(), names);
        ModelProto.Builder builder = model.toBuilder();
        builder.setGraph(upgradeGraph(model.getGraph(), names, source));
        builder.setOpsetImport(index, OperatorSetIdProto.newBuilder(model.getOpsetImport(index)).setVersion(TARGET));
        if (builder.getIrVersion() < MIN_IR_VERSION) {
            builder.setIrVersion(MIN_IR_VERSION);
        }
        return builder.build();
    }

    private static GraphProto upgradeGraph(GraphProto graph, Set<String> names, String source) {
        Map<String, Integer> ranks = new HashMap<>();
        for (ValueInfoProto info : graph.getValueInfoList()) {
            if (info.getType().hasTensorType() && info.getType().getTensorType().hasShape()) {
                ranks.put(info.getName(), info.getType().getTensorType().getShape().getDimCount());
            }
        }
        GraphProto.Builder builder = graph.toBuilder().clearNode();
        for (NodeProto node : graph.getNodeList()) {
            if (!OnnxModel.isDefaultDomain(node.getDomain())) {
                builder.addNode(node);
                continue;
            }
            NodeProto.Builder changed = node.toBuilder();
            // Subgraphs (If, Loop, Scan bodies) follow the model's opset too.
            for (int i = 0; i < changed.getAttributeCount(); i++) {
                AttributeProto attribute = changed.getAttribute(i);
                if (attribute.hasG()) {
                    changed.setAttribute(i, attribute.toBuilder().setG(upgradeGraph(attribute.getG(), names, source)));
                }
            }
            switch (node.getOpType()) {
                case "Unsqueeze", "Squeeze", "ReduceSum" -> moveIntsToInput(changed, "axes", 1, builder, names);
                case "Split" -> moveIntsToInput(changed, "split", 1, builder, names);
                case "Dropout" -> moveRatioToInput(changed, builder, names);
                case "Softmax", "LogSoftmax", "Hardmax" -> {
                    long axis = WeightSites.intAttribute(node, "axis", 1);
                    Integer rank = ranks.get(node.getInput(0));
                    if (axis == -1 || (rank != null && axis == rank - 1)) {
                        setAxis(changed, -1);
                    } else {
                        // Keep the opset-11 meaning exactly: a softmax over the 2-D view flattened at `axis`.
                        builder.addAllNode(flattenedSoftmax(node, axis, names));
                        continue;
                    }
                }
                default -> { }
            }
            builder.addNode(changed);
        }
        return builder.build();
    }

    /** Shape(x), Flatten(x, axis), Softmax(axis=-1), Reshape back to Shape(x): the opset-11 operator at 13. */
    private static List<NodeProto> flattenedSoftmax(NodeProto node, long axis, Set<String> names) {
        String base = node.getName().isEmpty() ? node.getOutput(0) : node.getName();
        String shape = unique(names, base + "_input_shape");
        String flat = unique(names, base + "_flattened");
        String flatOut = unique(names, base + "_flattened_output");
        NodeProto shapeNode = NodeProto.newBuilder().setOpType("Shape").setName(unique(names, shape))
                .addInput(node.getInput(0)).addOutput(shape).build();
        NodeProto flatten = NodeProto.newBuilder().setOpType("Flatten").setName(unique(names, flat))
                .addInput(node.getInput(0)).addOutput(flat).addAttribute(intAttribute("axis", axis)).build();
        NodeProto.Builder softmax = node.toBuilder().setInput(0, flat).setOutput(0, flatOut);
        setAxis(softmax, -1);
        NodeProto reshape = NodeProto.newBuilder().setOpType("Reshape").setName(unique(names, base + "_reshape"))
                .addInput(flatOut).addInput(shape).addOutput(node.getOutput(0)).build();
        return List.of(shapeNode, flatten, softmax.build(), reshape);
    }

    private static void setAxis(NodeProto.Builder node, long axis) {
        for (int i = 0; i < node.getAttributeCount(); i++) {
            if ("axis".equals(node.getAttribute(i).getName())) {
                node.setAttribute(i, intAttribute("axis", axis));
                return;
            }
        }
        node.addAttribute(intAttribute("axis", axis));
    }

    private static AttributeProto intAttribute(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
    }

    private static void moveIntsToInput(NodeProto.Builder node, String attributeName, int inputIndex,
            GraphProto.Builder graph, Set<String> names) {
        for (int i = 0; i < node.getAttributeCount(); i++) {
            AttributeProto attribute = node.getAttribute(i);
            if (attributeName.equals(attribute.getName())) {
                long[] values = attribute.getIntsList().stream().mapToLong(Long::longValue).toArray();
                String name = unique(names, baseName(node) + "_" + attributeName);
                graph.addInitializer(TensorData.int64Tensor(name, List.of((long) values.length), values));
                node.removeAttribute(i);
                // Optional inputs before this one (none today: axes and split are input 1) would be "".
                while (node.getInputCount() < inputIndex) {
                    node.addInput("");
                }
                if (node.getInputCount() == inputIndex) {
                    node.addInput(name);
                } else {
                    node.setInput(inputIndex, name);
                }
                return;
            }
        }
    }

    private static void moveRatioToInput(NodeProto.Builder node, GraphProto.Builder graph, Set<String> names) {
        for (int i = 0; i < node.getAttributeCount(); i++) {
            AttributeProto attribute = node.getAttribute(i);
            if ("ratio".equals(attribute.getName())) {
                String name = unique(names, baseName(node) + "_ratio");
                graph.addInitializer(TensorData.floatTensor(name, List.of(), new float[] {attribute.getF()}));
                node.removeAttribute(i);
                if (node.getInputCount() < 2) {
                    node.addInput(name);
                } else {
                    node.setInput(1, name);
                }
                return;
            }
        }
    }

    private static String baseName(NodeProto.Builder node) {
        return node.getName().isEmpty() ? node.getOutput(0) : node.getName();
    }

    static String unique(Set<String> names, String wanted) {
        String name = wanted;
        for (int i = 1; !names.add(name); i++) {
            name = wanted + "_" + i;
        }
        return name;
    }

    static void collectNames(GraphProto graph, Set<String> names) {
        for (TensorProto tensor : graph.getInitializerList()) {
            names.add(tensor.getName());
        }
        graph.getInputList().forEach(v -> names.add(v.getName()));
        for (NodeProto node : graph.getNodeList()) {
            names.addAll(node.getOutputList());
            names.add(node.getName());
            for (AttributeProto attribute : node.getAttributeList()) {
                if (attribute.hasG()) {
                    collectNames(attribute.getG(), names);
                }
            }
        }
    }
}
