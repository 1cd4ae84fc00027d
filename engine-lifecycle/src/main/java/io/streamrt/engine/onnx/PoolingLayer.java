package io.streamrt.engine.onnx;

import io.streamrt.engine.EncoderContract;
import io.streamrt.engine.onnx.proto.Onnx.AttributeProto;
import io.streamrt.engine.onnx.proto.Onnx.GraphProto;
import io.streamrt.engine.onnx.proto.Onnx.NodeProto;
import io.streamrt.engine.onnx.proto.Onnx.TensorProto;
import io.streamrt.engine.onnx.proto.Onnx.TensorShapeProto;
import io.streamrt.engine.onnx.proto.Onnx.TypeProto;
import io.streamrt.engine.onnx.proto.Onnx.ValueInfoProto;
import java.util.List;

/**
 * Appends sentence-embedding pooling to an encoder's graph: the mean of the last hidden state over the tokens the
 * attention mask keeps, optionally L2-normalized, as the one output {@code sentence_embedding [batch, hidden]}. An
 * engine then returns {@code [batch, hidden]} per batch instead of {@code [batch, sequence, hidden]} (on a GPU,
 * 384 values per record copied back instead of 384 per token), and StreamRT's task layer reads it as an embedding
 * pooled by the model.
 *
 * <pre>{@code
 * OnnxModel pooled = PoolingLayer.appendMean(OnnxModel.read(Path.of("model.onnx")), true);
 * }</pre>
 */
public final class PoolingLayer {

    /** The output name the task layer reads as a pooled embedding. */
    public static final String OUTPUT = EncoderContract.POOLED_EMBEDDING;

    private static final String PREFIX = "streamrt_pooling/";
    private static final int FLOAT = TensorProto.DataType.FLOAT_VALUE;

    private PoolingLayer() {}

    /**
     * @param normalize whether to L2-normalize each embedding (as sentence-transformers' Normalize module)
     * @throws OnnxModelException if the model has no {@code attention_mask} input or no float32
     *     {@code [batch, sequence, hidden]} output, or already has a {@value #OUTPUT} output
     */
    public static OnnxModel appendMean(OnnxModel model, boolean normalize) {
        GraphProto graph = model.proto().getGraph();
        boolean hasMask = graph.getInputList().stream().anyMatch(i -> i.getName().equals("attention_mask"));
        if (!hasMask) {
            throw new OnnxModelException("model " + model.source() + " has no attention_mask input: mean pooling "
                    + "needs it to leave out padding");
        }
        if (graph.getOutputList().stream().anyMatch(o -> o.getName().equals(OUTPUT))) {
            throw new OnnxModelException("model " + model.source() + " already has a " + OUTPUT + " output");
        }
        ValueInfoProto hidden = graph.getOutputList().stream()
                .filter(o -> o.getType().getTensorType().getElemType() == FLOAT
                        && o.getType().getTensorType().getShape().getDimCount() == 3)
                .findFirst().orElseThrow(() -> new OnnxModelException("model " + model.source() + " has no float32 "
                        + "[batch, sequence, hidden] output to pool, found " + graph.getOutputList().stream()
                        .map(ValueInfoProto::getName).toList() + " (convert to float16 after adding pooling)"));
        long opset = model.opset();
        GraphProto.Builder out = graph.toBuilder().clearOutput();
        String maskFloat = PREFIX + "mask_float";
        String mask = PREFIX + "mask";
        String summed = PREFIX + "summed";
        String count = PREFIX + "count";
        String safeCount = PREFIX + "count_at_least_epsilon";
        String mean = normalize ? PREFIX + "mean" : OUTPUT;
        out.addInitializer(TensorData.floatTensor(PREFIX + "epsilon", List.of(), new float[] {1e-9f}));
        out.addNode(node("Cast", List.of("attention_mask"), maskFloat)
                .addAttribute(intAttribute("to", FLOAT)));
        out.addNode(axesNode("Unsqueeze", maskFloat, mask, 2, opset >= 13, out, null));
        out.addNode(node("Mul", List.of(hidden.getName(), mask), PREFIX + "masked"));
        out.addNode(axesNode("ReduceSum", PREFIX + "masked", summed, 1, opset >= 13, out, 0L));
        out.addNode(axesNode("ReduceSum", mask, count, 1, opset >= 13, out, 0L));
        out.addNode(node("Max", List.of(count, PREFIX + "epsilon"), safeCount));
        out.addNode(node("Div", List.of(summed, safeCount), mean));
        if (normalize) {
            String norm = PREFIX + "norm";
            out.addNode(axesNode("ReduceL2", mean, norm, 1, opset >= 18, out, 1L));
            out.addNode(node("Max", List.of(norm, PREFIX + "epsilon"), PREFIX + "norm_at_least_epsilon"));
            out.addNode(node("Div", List.of(mean, PREFIX + "norm_at_least_epsilon"), OUTPUT));
        }
        TensorShapeProto hiddenShape = hidden.getType().getTensorType().getShape();
        out.addOutput(ValueInfoProto.newBuilder().setName(OUTPUT).setType(TypeProto.newBuilder()
                .setTensorType(TypeProto.Tensor.newBuilder().setElemType(FLOAT).setShape(TensorShapeProto.newBuilder()
                        .addDim(hiddenShape.getDim(0)).addDim(hiddenShape.getDim(2))))));
        return model.withProto(model.proto().toBuilder().setGraph(out).build());
    }

    private static NodeProto.Builder node(String op, List<String> inputs, String output) {
        return NodeProto.newBuilder().setOpType(op).setName(PREFIX + output.replace(PREFIX, "") + "/" + op)
                .addAllInput(inputs).addOutput(output);
    }

    /**
     * A node over one axis: as an attribute (older opsets) or an int64 input (Unsqueeze and ReduceSum from opset
     * 13, the other reductions from 18).
     */
    private static NodeProto axesNode(String op, String input, String output, long axis, boolean axesAsInput,
            GraphProto.Builder graph, Long keepDims) {
        NodeProto.Builder node = node(op, List.of(input), output);
        if (axesAsInput) {
            String axes = PREFIX + op + "_axes_" + axis;
            if (graph.getInitializerList().stream().noneMatch(t -> t.getName().equals(axes))) {
                graph.addInitializer(TensorData.int64Tensor(axes, List.of(1L), new long[] {axis}));
            }
            node.addInput(axes);
        } else {
            node.addAttribute(AttributeProto.newBuilder().setName("axes").setType(AttributeProto.AttributeType.INTS)
                    .addInts(axis));
        }
        if (keepDims != null) {
            node.addAttribute(intAttribute("keepdims", keepDims));
        }
        return node.build();
    }

    private static AttributeProto intAttribute(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
    }
}
