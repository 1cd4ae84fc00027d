package io.streamrt.engine.onnx;

import com.google.protobuf.ByteString;
import io.streamrt.engine.onnx.proto.Onnx.AttributeProto;
import io.streamrt.engine.onnx.proto.Onnx.GraphProto;
import io.streamrt.engine.onnx.proto.Onnx.NodeProto;
import io.streamrt.engine.onnx.proto.Onnx.TensorProto;
import io.streamrt.engine.onnx.proto.Onnx.ValueInfoProto;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Converts a float32 ONNX encoder to float16, for TensorRT's strongly typed networks (which keep a model's types:
 * an FP32 export runs in FP32/TF32 there). Every float32 tensor becomes float16 (initializers, constants, Cast
 * targets), except around the reductions where float16 is unsafe: ReduceMean, Pow, Sqrt (a decomposed LayerNorm's
 * mean and variance), Softmax and LayerNormalization run in float32, their float inputs cast up and their results
 * cast down only where a float16 operator reads them (so a LayerNorm's squares and their mean never pass through
 * float16). Graph inputs keep their types; float32 graph outputs stay float32 (a final Cast). Finite constants
 * beyond float16's range are clamped to it (an attention mask's float32 lowest value becomes -65504, not -inf).
 *
 * <pre>{@code
 * OnnxModel half = Fp16Converter.convert(OnnxModel.read(Path.of("model.onnx")));
 * half.write(Path.of("model-fp16.onnx"));
 * }</pre>
 */
public final class Fp16Converter {

    private static final int FLOAT = TensorProto.DataType.FLOAT_VALUE;
    private static final int FLOAT16 = TensorProto.DataType.FLOAT16_VALUE;

    /** Operators kept in float32, and which of their inputs carry float data (others: axes, shapes). */
    private static final Map<String, int[]> KEPT_IN_FLOAT32 = Map.of(
            "ReduceMean", new int[] {0},
            "Pow", new int[] {0, 1},
            "Sqrt", new int[] {0},
            "Softmax", new int[] {0},
            "LayerNormalization", new int[] {0, 1, 2});

    /**
     * What was converted.
     *
     * @param model the float16 model
     * @param initializers float32 initializers converted
     * @param keptInFloat32 nodes left computing in float32
     * @param casts Cast nodes added
     */
    public record Result(OnnxModel model, int initializers, int keptInFloat32, int casts) {}

    private Fp16Converter() {}

    /**
     * @throws OnnxModelException for a model with subgraphs (If, Loop, Scan), which this does not convert, or with
     *     no float32 weights to convert
     */
    public static Result convert(OnnxModel model) {
        GraphProto graph = model.proto().getGraph();
        for (NodeProto node : graph.getNodeList()) {
            for (AttributeProto attribute : node.getAttributeList()) {
                if (attribute.hasG() || attribute.getGraphsCount() > 0) {
                    throw new OnnxModelException("model " + model.source() + " has a subgraph (" + node.getOpType()
                            + " '" + node.getName() + "'); converting subgraphs to float16 is not supported");
                }
            }
        }
        GraphProto.Builder out = graph.toBuilder().clearInitializer().clearNode().clearValueInfo();
        int initializers = 0;
        for (TensorProto tensor : graph.getInitializerList()) {
            if (tensor.getDataType() == FLOAT) {
                out.addInitializer(toHalf(tensor));
                initializers++;
            } else {
                out.addInitializer(tensor);
            }
        }
        if (initializers == 0) {
            throw new OnnxModelException("model " + model.source() + " has no float32 weights to convert to float16 "
                    + "(already float16, or quantized)");
        }
        Set<String> producedByKept = new LinkedHashSet<>(); // ordered: the same model gives the same bytes
        for (NodeProto node : graph.getNodeList()) {
            if (KEPT_IN_FLOAT32.containsKey(node.getOpType())) {
                producedByKept.add(node.getOutput(0));
            }
        }
        Set<String> graphOutputs = new LinkedHashSet<>();
        for (ValueInfoProto output : graph.getOutputList()) {
            if (output.getType().getTensorType().getElemType() == FLOAT) {
                graphOutputs.add(output.getName());
            }
        }
        // Float32 results of kept nodes are named NAME/fp32; NAME itself is their float16 cast, made once if read.
        Map<String, String> upCasts = new HashMap<>();
        Set<String> downCastsNeeded = new HashSet<>();
        List<NodeProto> nodes = new ArrayList<>();
        int kept = 0;
        int casts = 0;
        for (NodeProto node : graph.getNodeList()) {
            int[] floatInputs = KEPT_IN_FLOAT32.get(node.getOpType());
            NodeProto.Builder converted = convertAttributes(node).toBuilder();
            if (floatInputs != null) {
                kept++;
                for (int index : floatInputs) {
                    if (index >= node.getInputCount() || node.getInput(index).isEmpty()) {
                        continue;
                    }
                    String input = node.getInput(index);
                    if (producedByKept.contains(input)) {
                        converted.setInput(index, float32Name(input));
                    } else {
                        String up = upCasts.get(input);
                        if (up == null) {
                            up = input + "/to_fp32";
                            upCasts.put(input, up);
                            nodes.add(cast(input, up, FLOAT));
                            casts++;
                        }
                        converted.setInput(index, up);
                    }
                }
                converted.setOutput(0, float32Name(node.getOutput(0)));
            } else {
                for (String input : node.getInputList()) {
                    if (producedByKept.contains(input)) {
                        downCastsNeeded.add(input);
                    }
                }
            }
            for (int o = 0; o < converted.getOutputCount(); o++) {
                String name = converted.getOutput(o);
                if (graphOutputs.contains(name)) {
                    converted.setOutput(o, name + "/fp16");
                }
            }
            nodes.add(converted.build());
        }
        for (String name : producedByKept) {
            if (downCastsNeeded.contains(name)) {
                nodes.add(cast(float32Name(name), graphOutputs.contains(name) ? name + "/fp16" : name, FLOAT16));
                casts++;
            }
        }
        for (String name : graphOutputs) {
            nodes.add(producedByKept.contains(name) ? cast(float32Name(name), name, FLOAT)
                    : cast(name + "/fp16", name, FLOAT));
            casts++;
        }
        // Casts are appended where their inputs exist; ONNX needs a topological order, so sort once.
        out.addAllNode(topological(nodes, graph));
        return new Result(model.withProto(model.proto().toBuilder().setGraph(out).build()), initializers, kept, casts);
    }

    private static String float32Name(String name) {
        return name + "/fp32";
    }

    private static NodeProto cast(String from, String to, int type) {
        return NodeProto.newBuilder().setOpType("Cast").setName(to + "/cast").addInput(from).addOutput(to)
                .addAttribute(AttributeProto.newBuilder().setName("to").setType(AttributeProto.AttributeType.INT)
                        .setI(type))
                .build();
    }

    /** Cast targets, Constant and ConstantOfShape values: float32 becomes float16. */
    private static NodeProto convertAttributes(NodeProto node) {
        NodeProto.Builder builder = node.toBuilder().clearAttribute();
        for (AttributeProto attribute : node.getAttributeList()) {
            if (node.getOpType().equals("Cast") && attribute.getName().equals("to") && attribute.getI() == FLOAT) {
                builder.addAttribute(attribute.toBuilder().setI(FLOAT16));
            } else if (attribute.hasT() && attribute.getT().getDataType() == FLOAT) {
                builder.addAttribute(attribute.toBuilder().setT(toHalf(attribute.getT())));
            } else if (node.getOpType().equals("Constant") && attribute.getName().equals("value_float")) {
                builder.addAttribute(AttributeProto.newBuilder().setName("value")
                        .setType(AttributeProto.AttributeType.TENSOR)
                        .setT(toHalf(TensorData.floatTensor("", List.of(), new float[] {attribute.getF()}))));
            } else {
                builder.addAttribute(attribute);
            }
        }
        return builder.build();
    }

    /** The largest finite float16. */
    static final float HALF_MAX = 65504f;

    /**
     * A float32 tensor as float16. Finite values beyond float16's range are clamped to its largest finite value:
     * exports fill attention masks with float32's lowest value (-3.4e38), which as -infinity would make
     * {@code 0 x -inf} a NaN where the mask is 1.
     */
    private static TensorProto toHalf(TensorProto tensor) {
        float[] values = TensorData.floats(tensor);
        ByteBuffer raw = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (float value : values) {
            float clamped = Float.isFinite(value) ? Math.max(-HALF_MAX, Math.min(HALF_MAX, value)) : value;
            raw.putShort(Half.fromFloat(clamped));
        }
        return tensor.toBuilder().clearFloatData().setDataType(FLOAT16).setRawData(ByteString.copyFrom(raw.array()))
                .build();
    }

    /** Kahn's order over the tensors each node reads: graph inputs and initializers are there from the start. */
    private static List<NodeProto> topological(List<NodeProto> nodes, GraphProto graph) {
        Set<String> available = new HashSet<>();
        graph.getInputList().forEach(v -> available.add(v.getName()));
        graph.getInitializerList().forEach(t -> available.add(t.getName()));
        available.add("");
        List<NodeProto> pending = new ArrayList<>(nodes);
        List<NodeProto> ordered = new ArrayList<>(nodes.size());
        while (!pending.isEmpty()) {
            boolean progress = false;
            for (int i = 0; i < pending.size(); i++) {
                NodeProto node = pending.get(i);
                if (available.containsAll(node.getInputList())) {
                    ordered.add(node);
                    available.addAll(node.getOutputList());
                    pending.remove(i--);
                    progress = true;
                }
            }
            if (!progress) {
                throw new OnnxModelException("cannot order the converted graph: node " + pending.get(0).getOpType()
                        + " '" + pending.get(0).getName() + "' reads " + pending.get(0).getInputList()
                        + ", which nothing produces");
            }
        }
        return ordered;
    }
}
