package io.streamrt.engine.testing;

import io.streamrt.engine.ModelFiles;
import io.streamrt.engine.onnx.OnnxModel;
import io.streamrt.engine.onnx.PoolingLayer;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Tiny real ONNX models for tests of what StreamRT accepts, written with its own ONNX library: ONNX Runtime loads
 * and runs them. What they compute is the attention mask, cast to float: {@code [batch, sequence]}, or
 * {@code [batch, sequence, 1]} for an output declared with three dimensions (whose last must then be 1). And the
 * FP32 MiniLM with the outputs of other Hugging Face exports ({@link #minilmClassifier},
 * {@link #minilmWithPooledOutput}), for what engines return.
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

    /**
     * The FP32 MiniLM as a sequence classifier, as optimum exports one: its only output {@code logits [batch,
     * labels]}, from mean pooling and a linear head with fixed pseudo-random weights. A real model: both engines
     * run it.
     *
     * @return {@code dir/minilm-classifier/model.onnx}, with MiniLM's tokenizer.json beside it
     */
    public static Path minilmClassifier(Path dir, int labels) {
        OnnxModel pooled = PoolingLayer.appendMean(OnnxModel.read(minilm().onnx()), false);
        Random random = new Random(7);
        List<Float> weights = new ArrayList<>();
        for (int i = 0; i < MINILM_HIDDEN * labels; i++) {
            weights.add((float) random.nextGaussian());
        }
        GraphProto.Builder graph = pooled.proto().getGraph().toBuilder().clearOutput()
                .addInitializer(TensorProto.newBuilder().setName("head/weight").setDataType(FLOAT)
                        .addDims(MINILM_HIDDEN).addDims(labels).addAllFloatData(weights))
                .addNode(NodeProto.newBuilder().setOpType("MatMul").addInput(PoolingLayer.OUTPUT)
                        .addInput("head/weight").addOutput("logits"))
                .addOutput(floatValue("logits", -1, labels));
        return writeMiniLm(dir, "minilm-classifier", pooled, graph);
    }

    /**
     * The FP32 MiniLM as a token classifier, as optimum exports one: its only output {@code logits [batch, sequence,
     * labels]}, a linear head with fixed pseudo-random weights over the last hidden state. No config.json: its labels
     * are {@code LABEL_0}, {@code LABEL_1}, ...
     *
     * @return {@code dir/minilm-token-classifier/model.onnx}, with MiniLM's tokenizer.json beside it
     */
    public static Path minilmTokenClassifier(Path dir, int labels) {
        OnnxModel base = OnnxModel.read(minilm().onnx());
        String hidden = base.proto().getGraph().getOutput(0).getName();
        Random random = new Random(11);
        List<Float> weights = new ArrayList<>();
        for (int i = 0; i < MINILM_HIDDEN * labels; i++) {
            weights.add((float) random.nextGaussian());
        }
        GraphProto.Builder graph = base.proto().getGraph().toBuilder().clearOutput()
                .addInitializer(TensorProto.newBuilder().setName("head/weight").setDataType(FLOAT)
                        .addDims(MINILM_HIDDEN).addDims(labels).addAllFloatData(weights))
                .addNode(NodeProto.newBuilder().setOpType("MatMul").addInput(hidden).addInput("head/weight")
                        .addOutput("logits"))
                .addOutput(floatValue("logits", -1, -1, labels));
        return writeMiniLm(dir, "minilm-token-classifier", base, graph);
    }

    /**
     * The FP32 MiniLM as sentence-transformers exports it: two outputs, {@code last_hidden_state [batch, sequence,
     * 384]} and its mean-pooled, normalized {@code sentence_embedding [batch, 384]}.
     *
     * @return {@code dir/minilm-two-outputs/model.onnx}, with MiniLM's tokenizer.json beside it
     */
    public static Path minilmWithPooledOutput(Path dir) {
        OnnxModel pooled = PoolingLayer.appendMean(OnnxModel.read(minilm().onnx()), true);
        GraphProto.Builder graph = pooled.proto().getGraph().toBuilder()
                .addOutput(floatValue("last_hidden_state", -1, -1, MINILM_HIDDEN));
        return writeMiniLm(dir, "minilm-two-outputs", pooled, graph);
    }

    private static final int MINILM_HIDDEN = 384;

    private static ModelFiles minilm() {
        return ModelFiles.resolve(ModelFiles.BUILTIN_MINILM_FP32, null);
    }

    private static Path writeMiniLm(Path dir, String name, OnnxModel base, GraphProto.Builder graph) {
        Path folder = dir.resolve(name);
        Path onnx = folder.resolve("model.onnx");
        try {
            Files.createDirectories(folder);
            base.withProto(base.proto().toBuilder().setGraph(graph).build()).write(onnx);
            Files.copy(minilm().tokenizer(), folder.resolve("tokenizer.json"), StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("writing test model " + onnx + " failed", e);
        }
        return onnx;
    }
}
