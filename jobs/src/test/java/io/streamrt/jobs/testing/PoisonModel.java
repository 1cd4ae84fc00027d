package io.streamrt.jobs.testing;

import io.streamrt.engine.ModelFiles;
import io.streamrt.engine.onnx.OnnxModel;
import io.streamrt.engine.onnx.proto.Onnx.AttributeProto;
import io.streamrt.engine.onnx.proto.Onnx.GraphProto;
import io.streamrt.engine.onnx.proto.Onnx.ModelProto;
import io.streamrt.engine.onnx.proto.Onnx.NodeProto;
import io.streamrt.engine.onnx.proto.Onnx.TensorProto;
import io.streamrt.serde.TextTokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A real model that fails at run time on any batch holding one token, as exported models do on inputs they cannot
 * take: the builtin INT8 MiniLM with a {@code Reshape} after its last hidden state whose target shape is
 * {@code [batch, sequence, 384 + (token in input_ids ? 1 : 0)]}. Without the token it returns exactly MiniLM's
 * output; with it, ONNX Runtime fails the batch ("cannot reshape"). Built with StreamRT's own ONNX library.
 *
 * <pre>{@code
 * PoisonModel poison = PoisonModel.write(dir, "poison");
 * enrich --model poison.model() ...   // a batch with the word "poison" in any text fails
 * }</pre>
 *
 * @param model the written {@code model.onnx}, with MiniLM's {@code tokenizer.json} beside it
 * @param tokenId the token that fails a batch
 */
public record PoisonModel(Path model, long tokenId) {

    private static final String OUTPUT = "last_hidden_state";

    /** Writes the model to {@code dir}; {@code word} must be one word piece of MiniLM's vocabulary. */
    public static PoisonModel write(Path dir, String word) {
        ModelFiles builtin = ModelFiles.resolve(ModelFiles.BUILTIN_MINILM_INT8, null);
        long token;
        try (TextTokenizer tokenizer = TextTokenizer.open(builtin.tokenizer(), 16)) {
            long[] ids = tokenizer.encode(word).ids();
            if (ids.length != 3) {
                throw new IllegalArgumentException("'" + word + "' is " + (ids.length - 2)
                        + " word pieces; pick a word that is one");
            }
            token = ids[1];
        }
        ModelProto original = OnnxModel.read(builtin.onnx()).proto();
        GraphProto.Builder graph = original.getGraph().toBuilder();
        for (int n = 0; n < graph.getNodeCount(); n++) {
            NodeProto node = graph.getNode(n);
            for (int o = 0; o < node.getOutputCount(); o++) {
                if (node.getOutput(o).equals(OUTPUT)) {
                    graph.setNode(n, node.toBuilder().setOutput(o, "poison_raw_hidden"));
                }
            }
        }
        graph.addInitializer(TensorProto.newBuilder().setName("poison_token").setDataType(7).addInt64Data(token));
        graph.addInitializer(TensorProto.newBuilder().setName("poison_last_axis").setDataType(7).addDims(3)
                .addInt64Data(0).addInt64Data(0).addInt64Data(1));
        graph.addNode(node("Equal", "poison_seen", "input_ids", "poison_token"));
        graph.addNode(node("Cast", "poison_seen_int", "poison_seen")
                .addAttribute(AttributeProto.newBuilder().setName("to").setType(AttributeProto.AttributeType.INT)
                        .setI(7)));
        graph.addNode(node("ReduceMax", "poison_flag", "poison_seen_int")
                .addAttribute(AttributeProto.newBuilder().setName("keepdims").setType(AttributeProto.AttributeType.INT)
                        .setI(0)));
        graph.addNode(node("Mul", "poison_bump", "poison_last_axis", "poison_flag"));
        graph.addNode(node("Shape", "poison_shape", "poison_raw_hidden"));
        graph.addNode(node("Add", "poison_target", "poison_shape", "poison_bump"));
        graph.addNode(node("Reshape", OUTPUT, "poison_raw_hidden", "poison_target"));
        Path onnx = dir.resolve("model.onnx");
        try {
            Files.createDirectories(dir);
            OnnxModel.of(original.toBuilder().setGraph(graph).build(), "poison model").write(onnx);
            Files.copy(builtin.tokenizer(), dir.resolve("tokenizer.json"),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("writing the poison model to " + dir + " failed", e);
        }
        return new PoisonModel(onnx, token);
    }

    private static NodeProto.Builder node(String op, String output, String... inputs) {
        NodeProto.Builder node = NodeProto.newBuilder().setOpType(op).setName(output).addOutput(output);
        for (String input : inputs) {
            node.addInput(input);
        }
        return node;
    }
}
