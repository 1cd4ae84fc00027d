package io.streamrt.engine.testing;

import io.streamrt.engine.ModelFiles;
import io.streamrt.engine.onnx.OnnxModel;
import io.streamrt.engine.onnx.proto.Onnx.AttributeProto;
import io.streamrt.engine.onnx.proto.Onnx.GraphProto;
import io.streamrt.engine.onnx.proto.Onnx.ModelProto;
import io.streamrt.engine.onnx.proto.Onnx.NodeProto;
import io.streamrt.engine.onnx.proto.Onnx.OperatorSetIdProto;
import io.streamrt.engine.onnx.proto.Onnx.TensorProto;
import io.streamrt.engine.onnx.proto.Onnx.TensorShapeProto;
import io.streamrt.engine.onnx.proto.Onnx.TypeProto;
import io.streamrt.engine.onnx.proto.Onnx.ValueInfoProto;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * Tiny real ONNX models for tests of what StreamRT accepts, written with its own ONNX library: ONNX Runtime loads
 * and runs them. What they compute is the attention mask, cast to float: {@code [batch, sequence]}, or
 * {@code [batch, sequence, 1]} for an output declared with three dimensions (whose last must then be 1).
 *
 * <pre>{@code
 * Path classifier = TestModels.write(dir, "classifier", List.of(TestModels.int64("input_ids"),
 *         TestModels.int64("attention_mask")), TestModels.floatValue("logits", -1, 3));
 * }</pre>
 */
public final class TestModels {

    /** ONNX element types. */
    public static final int FLOAT = 1;
    public static final int INT32 = 6;
    public static final int INT64 = 7;

    private TestModels() {}

    /**
     * Writes {@code dir/<name>/model.onnx} with these inputs and output, and MiniLM's tokenizer.json beside it.
     *
     * @return the model file
     */
    public static Path write(Path dir, String name, List<ValueInfoProto> inputs, ValueInfoProto output) {
        GraphProto.Builder graph = GraphProto.newBuilder().setName(name).addAllInput(inputs).addOutput(output);
        graph.addNode(NodeProto.newBuilder().setOpType("Identity").addInput("attention_mask").addOutput("mask_copy"));
        graph.addNode(NodeProto.newBuilder().setOpType("Cast").addInput("mask_copy").addOutput("mask_float")
                .addAttribute(AttributeProto.newBuilder().setName("to").setType(AttributeProto.AttributeType.INT)
                        .setI(FLOAT)));
        if (output.getType().getTensorType().getShape().getDimCount() == 3) {
            // [batch, sequence] -> [batch, sequence, 1]: a hidden state one wide.
            graph.addInitializer(TensorProto.newBuilder().setName("last_axis").setDataType(INT64).addDims(1)
                    .addInt64Data(2));
            graph.addNode(NodeProto.newBuilder().setOpType("Unsqueeze").addInput("mask_float").addInput("last_axis")
                    .addOutput(output.getName()));
        } else {
            graph.addNode(NodeProto.newBuilder().setOpType("Identity").addInput("mask_float")
                    .addOutput(output.getName()));
        }
        ModelProto model = ModelProto.newBuilder().setIrVersion(7)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(13)).setGraph(graph).build();
        Path folder = dir.resolve(name);
        Path onnx = folder.resolve("model.onnx");
        try {
            Files.createDirectories(folder);
            OnnxModel.of(model, name).write(onnx);
            Files.copy(ModelFiles.resolve(ModelFiles.BUILTIN_MINILM_INT8, null).tokenizer(),
                    folder.resolve("tokenizer.json"), StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("writing test model " + onnx + " failed", e);
        }
        return onnx;
    }

    /** A sequence classifier's signature: token inputs, {@code logits [batch, 3]} out. */
    public static Path classifier(Path dir) {
        return write(dir, "classifier", List.of(int64("input_ids"), int64("attention_mask")),
                floatValue("logits", -1, 3));
    }

    public static ValueInfoProto int64(String name) {
        return value(name, INT64, -1, -1);
    }

    public static ValueInfoProto floatValue(String name, long... dims) {
        return value(name, FLOAT, dims);
    }

    /** A tensor value; a negative dimension is dynamic. */
    public static ValueInfoProto value(String name, int elemType, long... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (long dim : dims) {
            shape.addDim(dim < 0 ? TensorShapeProto.Dimension.newBuilder().setDimParam("d" + shape.getDimCount())
                    : TensorShapeProto.Dimension.newBuilder().setDimValue(dim));
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder()
                .setTensorType(TypeProto.Tensor.newBuilder().setElemType(elemType).setShape(shape))).build();
    }
}
