package io.streamrt.jobs.testing;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import io.streamrt.engine.ModelFiles;
import io.streamrt.engine.onnx.OnnxModel;
import io.streamrt.engine.onnx.proto.Onnx.AttributeProto;
import io.streamrt.engine.onnx.proto.Onnx.GraphProto;
import io.streamrt.engine.onnx.proto.Onnx.ModelProto;
import io.streamrt.engine.onnx.proto.Onnx.NodeProto;
import io.streamrt.engine.onnx.proto.Onnx.TensorProto;
import io.streamrt.engine.onnx.proto.Onnx.TensorShapeProto;
import io.streamrt.engine.onnx.proto.Onnx.TypeProto;
import io.streamrt.engine.onnx.proto.Onnx.ValueInfoProto;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Real encoders laid out as the Hugging Face tools write them, for the tests of "your own model", and a
 * {@link #reference} run of a model straight on ONNX Runtime, outside StreamRT, to check StreamRT against.
 *
 * <ul>
 *   <li>{@link #bge}, {@link #bgeFp32}: BGE-small-en-v1.5 INT8 and FP32 in sentence-transformers' layout ({@code onnx/model.onnx},
 *       {@code config.json}, {@code modules.json} with Pooling and Normalize, {@code 1_Pooling/config.json} with CLS
 *       pooling), as its repository has them;</li>
 *   <li>{@link #e5}: e5-small-v2 INT8, mean pooling, normalized; it wants "query: " before queries;</li>
 *   <li>{@link #classifier}: the FP32 MiniLM with mean pooling and a linear head in the graph, {@code logits
 *       [batch, labels]}, {@code BertForSequenceClassification} with {@code id2label};</li>
 *   <li>{@link #tokenClassifier}: the FP32 MiniLM with a linear head per token, {@code logits [batch, sequence,
 *       labels]}, {@code BertForTokenClassification}.</li>
 * </ul>
 * The heads sit on the FP32 encoder because its results do not depend on the batch: the dynamically quantized INT8
 * models scale their activations over the whole padded batch, so a batched run differs slightly (cosine ~0.99) from
 * a one-text run, enough to move a borderline tag.
 * <ul>
 * </ul>
 * Heads are built with StreamRT's ONNX library; their weights are given by the test (fitted at test time).
 */
public final class OwnModels {

    private OwnModels() {}

    /** BGE-small-en-v1.5 INT8 in sentence-transformers' layout; returns the directory. */
    public static Path bge(Path dir) {
        return bge(dir, "bge-small-en-v1.5-q");
    }

    /** BGE-small-en-v1.5 FP32 (133 MB) in sentence-transformers' layout; returns the directory. */
    public static Path bgeFp32(Path dir) {
        return bge(dir, "bge-small-en-v1.5");
    }

    private static Path bge(Path dir, String resource) {
        copyResource(resource + ".onnx", dir.resolve("onnx/model.onnx"));
        copyResource(resource + "-tokenizer.json", dir.resolve("tokenizer.json"));
        write(dir.resolve("config.json"), "{\"architectures\": [\"BertModel\"], \"model_type\": \"bert\", "
                + "\"hidden_size\": 384}");
        write(dir.resolve("modules.json"), SENTENCE_TRANSFORMERS_MODULES);
        write(dir.resolve("1_Pooling/config.json"), pooling("cls_token"));
        return dir;
    }

    /** e5-small-v2 INT8, mean pooling and normalized; returns the directory. */
    public static Path e5(Path dir) {
        copyResource("e5-small-v2-q.onnx", dir.resolve("model.onnx"));
        copyResource("e5-small-v2-q-tokenizer.json", dir.resolve("tokenizer.json"));
        write(dir.resolve("config.json"), "{\"architectures\": [\"BertModel\"], \"model_type\": \"bert\"}");
        write(dir.resolve("modules.json"), SENTENCE_TRANSFORMERS_MODULES);
        write(dir.resolve("1_Pooling/config.json"), pooling("mean_tokens"));
        return dir;
    }

    private static final String SENTENCE_TRANSFORMERS_MODULES = "[{\"idx\": 0, \"name\": \"0\", \"path\": \"\", "
            + "\"type\": \"sentence_transformers.models.Transformer\"}, {\"idx\": 1, \"name\": \"1\", \"path\": "
            + "\"1_Pooling\", \"type\": \"sentence_transformers.models.Pooling\"}, {\"idx\": 2, \"name\": \"2\", "
            + "\"path\": \"2_Normalize\", \"type\": \"sentence_transformers.models.Normalize\"}]";

    private static String pooling(String mode) {
        StringBuilder json = new StringBuilder("{\"word_embedding_dimension\": 384");
        for (String m : List.of("cls_token", "mean_tokens", "max_tokens", "mean_sqrt_len_tokens")) {
            json.append(", \"pooling_mode_").append(m).append("\": ").append(m.equals(mode));
        }
        return json.append('}').toString();
    }

    /**
     * The FP32 MiniLM with mean pooling and a linear head: {@code logits = mean(hidden) · weights + bias}.
     *
     * @param weights {@code [384][labels]}
     */
    public static Path classifier(Path dir, List<String> labels, float[][] weights, float[] bias) {
        GraphProto.Builder graph = encoderGraph();
        graph.addNode(node("Cast", "mask_f", List.of("attention_mask"), attr("to", 1)));
        graph.addNode(node("Unsqueeze", "mask_u", List.of("mask_f"), ints("axes", 2)));
        graph.addNode(node("Mul", "masked", List.of("last_hidden_state", "mask_u")));
        graph.addNode(node("ReduceSum", "summed", List.of("masked"), ints("axes", 1), attr("keepdims", 0)));
        graph.addNode(node("ReduceSum", "count", List.of("mask_f"), ints("axes", 1), attr("keepdims", 1)));
        graph.addNode(node("Div", "pooled", List.of("summed", "count")));
        addHead(graph, "pooled", weights, bias);
        graph.addOutput(floatOutput("logits", "batch", null, labels.size()));
        return writeModel(dir, graph, "BertForSequenceClassification", labels);
    }

    /**
     * The FP32 MiniLM with a linear head on every token: {@code logits = hidden · weights + bias}.
     *
     * @param weights {@code [384][labels]}
     */
    public static Path tokenClassifier(Path dir, List<String> labels, float[][] weights, float[] bias) {
        GraphProto.Builder graph = encoderGraph();
        addHead(graph, "last_hidden_state", weights, bias);
        graph.addOutput(floatOutput("logits", "batch", "sequence", labels.size()));
        return writeModel(dir, graph, "BertForTokenClassification", labels);
    }

    /** The place tagger's labels: {@code O}, {@code B-LOC}, {@code I-LOC}. */
    public static final List<String> PLACE_LABELS = List.of("O", "B-LOC", "I-LOC");

    /**
     * A token classifier that tags place names: {@link #tokenClassifier} with, as each label's weights, the
     * normalized mean FP32 MiniLM token vector of that label's tokens in a few example sentences.
     */
    public static Path placeTagger(Path dir) {
        // Token vectors of place names (B-LOC: their first token, I-LOC: the rest) and of other words (O).
        Path builtin = ModelFiles.resolve(ModelFiles.BUILTIN_MINILM_FP32, null).onnx();
        Path builtinTokenizer = ModelFiles.resolve(ModelFiles.BUILTIN_MINILM_FP32, null).tokenizer();
        float[][] centroids = new float[3][384];
        int[] counts = new int[3];
        for (String example : List.of("We drove from Rome to Vienna.", "Flights to Sydney and Chicago are full.",
                "The train from Hong Kong to Beijing was late.", "He moved to San Francisco last year.")) {
            try (HuggingFaceTokenizer t = HuggingFaceTokenizer.newInstance(builtinTokenizer, Map.of())) {
                var encoding = t.encode(example);
                float[] hidden = reference(builtin, encoding.getIds()).get("last_hidden_state");
                String[] tokens = encoding.getTokens();
                for (int i = 1; i < tokens.length - 1; i++) {
                    boolean place = List.of("rome", "vienna", "sydney", "chicago", "hong", "kong", "beijing", "san",
                            "francisco").contains(tokens[i]);
                    boolean continues = place && List.of("kong", "francisco").contains(tokens[i]);
                    int tag = !place ? 0 : continues ? 2 : 1;
                    counts[tag]++;
                    for (int d = 0; d < 384; d++) {
                        centroids[tag][d] += hidden[i * 384 + d];
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        float[][] weights = new float[384][3];
        for (int k = 0; k < 3; k++) {
            double n = norm(centroids[k]);
            for (int d = 0; d < 384; d++) {
                weights[d][k] = (float) (8 * centroids[k][d] / n);
            }
        }
        return tokenClassifier(dir, PLACE_LABELS, weights, new float[3]);
    }

    /** The Euclidean length of {@code v}. */
    public static double norm(float[] v) {
        double sum = 0;
        for (float x : v) {
            sum += (double) x * x;
        }
        return Math.sqrt(sum);
    }

    /** The FP32 MiniLM's graph without its output (the head's is added). */
    private static GraphProto.Builder encoderGraph() {
        ModelFiles minilm = ModelFiles.resolve(ModelFiles.BUILTIN_MINILM_FP32, null);
        return OnnxModel.read(minilm.onnx()).proto().getGraph().toBuilder().clearOutput();
    }

    private static void addHead(GraphProto.Builder graph, String input, float[][] weights, float[] bias) {
        TensorProto.Builder w = TensorProto.newBuilder().setName("head_weight").setDataType(1)
                .addDims(weights.length).addDims(bias.length);
        for (float[] row : weights) {
            for (float v : row) {
                w.addFloatData(v);
            }
        }
        TensorProto.Builder b = TensorProto.newBuilder().setName("head_bias").setDataType(1).addDims(bias.length);
        for (float v : bias) {
            b.addFloatData(v);
        }
        graph.addInitializer(w).addInitializer(b);
        graph.addNode(node("MatMul", "head_product", List.of(input, "head_weight")));
        graph.addNode(node("Add", "logits", List.of("head_product", "head_bias")));
    }

    private static Path writeModel(Path dir, GraphProto.Builder graph, String architecture, List<String> labels) {
        ModelFiles minilm = ModelFiles.resolve(ModelFiles.BUILTIN_MINILM_FP32, null);
        ModelProto proto = OnnxModel.read(minilm.onnx()).proto().toBuilder().setGraph(graph).build();
        try {
            Files.createDirectories(dir);
            OnnxModel.of(proto, architecture).write(dir.resolve("model.onnx"));
            Files.copy(minilm.tokenizer(), dir.resolve("tokenizer.json"), StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        StringBuilder id2label = new StringBuilder();
        for (int i = 0; i < labels.size(); i++) {
            id2label.append(i == 0 ? "" : ", ").append('"').append(i).append("\": \"").append(labels.get(i)).append('"');
        }
        write(dir.resolve("config.json"), "{\"architectures\": [\"" + architecture + "\"], \"model_type\": \"bert\", "
                + "\"id2label\": {" + id2label + "}}");
        return dir;
    }

    /**
     * Runs a model file on ONNX Runtime directly, one text at a time (no batching, no padding), with the given token
     * ids: the independent computation StreamRT is checked against.
     *
     * @return each output's values, row-major
     */
    public static Map<String, float[]> reference(Path onnx, long[] ids) {
        return reference(onnx, ids, new long[ids.length]);
    }

    /** As {@link #reference(Path, long[])}, with token type ids (a text pair's second segment has 1s). */
    public static Map<String, float[]> reference(Path onnx, long[] ids, long[] typeIds) {
        try {
            OrtEnvironment env = OrtEnvironment.getEnvironment();
            try (OrtSession session = env.createSession(onnx.toString(), new OrtSession.SessionOptions())) {
                long[] shape = {1, ids.length};
                long[] mask = new long[ids.length];
                java.util.Arrays.fill(mask, 1);
                Map<String, OnnxTensor> feeds = new HashMap<>();
                feeds.put("input_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape));
                feeds.put("attention_mask", OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape));
                if (session.getInputNames().contains("token_type_ids")) {
                    feeds.put("token_type_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(typeIds), shape));
                }
                Map<String, float[]> outputs = new LinkedHashMap<>();
                try (OrtSession.Result result = session.run(feeds)) {
                    for (var entry : result) {
                        FloatBuffer buffer = ((OnnxTensor) entry.getValue()).getFloatBuffer();
                        float[] values = new float[buffer.remaining()];
                        buffer.get(values);
                        outputs.put(entry.getKey(), values);
                    }
                } finally {
                    feeds.values().forEach(OnnxTensor::close);
                }
                return outputs;
            }
        } catch (ai.onnxruntime.OrtException e) {
            throw new IllegalStateException("the reference run of " + onnx + " failed", e);
        }
    }

    private static NodeProto node(String op, String output, List<String> inputs, AttributeProto... attributes) {
        NodeProto.Builder node = NodeProto.newBuilder().setOpType(op).setName(output).addOutput(output)
                .addAllInput(inputs);
        for (AttributeProto attribute : attributes) {
            node.addAttribute(attribute);
        }
        return node.build();
    }

    private static AttributeProto attr(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
    }

    private static AttributeProto ints(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS).addInts(value)
                .build();
    }

    private static ValueInfoProto floatOutput(String name, String batch, String sequence, int width) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder()
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam(batch));
        if (sequence != null) {
            shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimParam(sequence));
        }
        shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(width));
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder()
                .setTensorType(TypeProto.Tensor.newBuilder().setElemType(1).setShape(shape))).build();
    }

    private static void copyResource(String resource, Path target) {
        try (InputStream in = OwnModels.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is not on the test classpath (a langchain4j model jar)");
            }
            Files.createDirectories(target.getParent());
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void write(Path file, String text) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
