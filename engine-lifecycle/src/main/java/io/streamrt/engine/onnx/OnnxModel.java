package io.streamrt.engine.onnx;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import io.streamrt.engine.onnx.proto.Onnx.AttributeProto;
import io.streamrt.engine.onnx.proto.Onnx.GraphProto;
import io.streamrt.engine.onnx.proto.Onnx.ModelProto;
import io.streamrt.engine.onnx.proto.Onnx.NodeProto;
import io.streamrt.engine.onnx.proto.Onnx.OperatorSetIdProto;
import io.streamrt.engine.onnx.proto.Onnx.StringStringEntryProto;
import io.streamrt.engine.onnx.proto.Onnx.TensorProto;
import io.streamrt.engine.onnx.proto.Onnx.TypeProto;
import io.streamrt.engine.onnx.proto.Onnx.ValueInfoProto;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A self-contained ONNX model in memory, read and written through StreamRT's own schema of the ONNX messages.
 * Fields the schema leaves out are kept as protobuf unknown fields, so parts no tool touched are written back
 * byte for byte. Immutable: tools return a new model.
 *
 * <pre>{@code
 * OnnxModel model = OnnxModel.read(Path.of("model.onnx"));
 * System.out.println(model.inspect().opset());
 * Sparsifier.defaults().sparsify(model).model().write(Path.of("model-sparse.onnx"));
 * }</pre>
 */
public final class OnnxModel {

    /** The default ("ai.onnx") operator set domain, written as "" or "ai.onnx". */
    static final String DEFAULT_DOMAIN = "";

    /** protobuf cannot hold more in one message; ONNX moves larger models to external data. */
    private static final long MAX_BYTES = Integer.MAX_VALUE;

    private static final int GRAPH_SPARSE_INITIALIZER = 15;

    private final ModelProto proto;
    private final String source;

    private OnnxModel(ModelProto proto, String source) {
        this.proto = proto;
        this.source = source;
    }

    /**
     * Reads and checks a model file.
     *
     * @throws OnnxModelException if the file is missing, empty, truncated, not an ONNX model, or keeps its
     *     tensors in external data files
     */
    public static OnnxModel read(Path path) {
        Objects.requireNonNull(path, "path");
        if (!Files.exists(path)) {
            throw new OnnxModelException("model file " + path + " does not exist (looked for " + path.toAbsolutePath()
                    + "): pass the path of an .onnx file");
        }
        if (!Files.isRegularFile(path)) {
            throw new OnnxModelException("model " + path + " is not a regular file: pass the path of the .onnx file "
                    + "itself, not its directory");
        }
        byte[] bytes;
        try {
            long size = Files.size(path);
            if (size > MAX_BYTES) {
                throw new OnnxModelException("model file " + path + " has " + size + " bytes; a self-contained ONNX "
                        + "model holds at most " + MAX_BYTES + " (2 GiB): models this large use external data, "
                        + "which the model tools do not read");
            }
            bytes = Files.readAllBytes(path);
        } catch (IOException e) {
            throw new OnnxModelException("cannot read model file " + path + ": " + e, e);
        }
        return parse(bytes, path.toString());
    }

    /**
     * Parses a serialized model.
     *
     * @param source where the bytes came from, for messages
     */
    public static OnnxModel parse(byte[] bytes, String source) {
        Objects.requireNonNull(bytes, "bytes");
        if (bytes.length == 0) {
            throw new OnnxModelException("model file " + source + " is empty (0 bytes): expected a serialized ONNX "
                    + "ModelProto; export or download the model again");
        }
        ModelProto proto;
        try {
            CodedInputStream in = CodedInputStream.newInstance(bytes);
            in.setSizeLimit(Integer.MAX_VALUE);
            // Subgraphs (If/Loop bodies) nest messages deeper than protobuf's default of 100.
            in.setRecursionLimit(1000);
            proto = ModelProto.parser().parseFrom(in);
        } catch (InvalidProtocolBufferException e) {
            // A model starts with a varint or length-delimited field tag, never with text; text can also read as a
            // cut protobuf, so it is named before truncation is considered.
            boolean truncated = !looksLikeText(bytes)
                    && e.getMessage() != null && e.getMessage().contains("ended unexpectedly");
            String what = truncated
                    ? "is truncated: it ends in the middle of a protobuf field after " + bytes.length + " bytes"
                    : "is not a valid ONNX model: expected a serialized ONNX ModelProto (protobuf), found "
                            + describeStart(bytes) + " (" + e.getMessage() + ")";
            throw new OnnxModelException("model file " + source + " " + what
                    + "; export or download the model again (an interrupted copy or download leaves a cut file)", e);
        }
        return of(proto, source);
    }

    /** Wraps a model built in memory, checking it as {@link #read(Path)} does. */
    public static OnnxModel of(ModelProto proto, String source) {
        Objects.requireNonNull(proto, "proto");
        check(proto, source);
        return new OnnxModel(proto, source);
    }

    private static void check(ModelProto proto, String source) {
        if (!proto.hasGraph() || proto.getIrVersion() <= 0 || proto.getOpsetImportCount() == 0) {
            throw new OnnxModelException("model file " + source + " is not an ONNX model: expected a ModelProto with "
                    + "an ir_version, opset imports and a graph, found ir_version=" + proto.getIrVersion()
                    + ", " + proto.getOpsetImportCount() + " opset imports, " + (proto.hasGraph() ? "a" : "no")
                    + " graph; pass an .onnx file exported by PyTorch, TensorFlow or the onnx package");
        }
        checkGraph(proto.getGraph(), source);
    }

    private static void checkGraph(GraphProto graph, String source) {
        walk(graph, g -> {
            if (g.getUnknownFields().hasField(GRAPH_SPARSE_INITIALIZER)) {
                throw new OnnxModelException("model " + source + " has sparse initializers "
                        + "(GraphProto.sparse_initializer), which the model tools do not read: store the weights as "
                        + "dense initializers");
            }
        }, tensor -> checkTensor(tensor, source));
    }

    /**
     * Visits a graph and everything in it, depth first: the graph, its initializers, then each node's attribute
     * tensors and subgraphs (If/Loop/Scan bodies, visited the same way) in order.
     *
     * @param graphs told each graph, the outermost first
     * @param tensors told each tensor a graph holds: initializers and attribute values
     */
    public static void walk(GraphProto graph, Consumer<GraphProto> graphs, Consumer<TensorProto> tensors) {
        graphs.accept(graph);
        graph.getInitializerList().forEach(tensors);
        for (NodeProto node : graph.getNodeList()) {
            for (AttributeProto attribute : node.getAttributeList()) {
                if (attribute.hasT()) {
                    tensors.accept(attribute.getT());
                }
                attribute.getTensorsList().forEach(tensors);
                if (attribute.hasG()) {
                    walk(attribute.getG(), graphs, tensors);
                }
                for (GraphProto sub : attribute.getGraphsList()) {
                    walk(sub, graphs, tensors);
                }
            }
        }
    }

    /**
     * The external data file a tensor's values are kept in (its {@code location} entry); empty for a tensor whose
     * values are in the model, or an external one that names no file.
     */
    public static Optional<String> externalLocation(TensorProto tensor) {
        if (tensor.getDataLocation() != TensorProto.DataLocation.EXTERNAL) {
            return Optional.empty();
        }
        return tensor.getExternalDataList().stream().filter(e -> "location".equals(e.getKey()))
                .map(StringStringEntryProto::getValue).findFirst();
    }

    private static void checkTensor(TensorProto tensor, String source) {
        if (tensor.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
            throw new OnnxModelException("model " + source + " keeps tensor '" + tensor.getName()
                    + "' in the external data file '" + externalLocation(tensor).orElse("?") + "'; the model tools "
                    + "read self-contained models only: save it with its tensors inside (in Python: "
                    + "onnx.save_model(model, path, save_as_external_data=False); possible below 2 GiB)");
        }
    }

    private static boolean looksLikeText(byte[] bytes) {
        int n = Math.min(64, bytes.length);
        for (int i = 0; i < n; i++) {
            int b = bytes[i] & 0xff;
            if (b < 0x20 && b != '\n' && b != '\r' && b != '\t') {
                return false;
            }
        }
        return true;
    }

    private static String describeStart(byte[] bytes) {
        int n = Math.min(8, bytes.length);
        StringBuilder hex = new StringBuilder();
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < n; i++) {
            int b = bytes[i] & 0xff;
            hex.append(String.format("%02x ", b));
            text.append(b >= 0x20 && b < 0x7f ? (char) b : '.');
        }
        String kind = bytes.length >= 2 && bytes[0] == 'P' && bytes[1] == 'K' ? "a zip or jar archive, "
                : looksLikeText(bytes) ? "a text file, " : "";
        return kind + bytes.length + " bytes starting " + hex.toString().trim() + " ('" + text + "')";
    }

    /** The protobuf message, for tools that rewrite the graph. */
    public ModelProto proto() {
        return proto;
    }

    /** Where the model came from (a path or a description), for messages. */
    public String source() {
        return source;
    }

    /**
     * The weight of the model's head behind graph output {@code output}: the float MatMul/Gemm weight whose product
     * reaches it through bias, shape and type changes only (a classifier's {@code logits = pooled · W + b}).
     *
     * @return the initializer's name, or null when {@code output} does not come straight from such a product
     */
    public String headWeight(String output) {
        return WeightSites.headWeight(proto.getGraph(), output);
    }

    /** This model with another graph, keeping everything else. */
    public OnnxModel withProto(ModelProto changed) {
        return of(changed, source);
    }

    /** The version of the default ("ai.onnx") operator set, or 0 if the model does not import it. */
    public long opset() {
        for (OperatorSetIdProto opset : proto.getOpsetImportList()) {
            if (isDefaultDomain(opset.getDomain())) {
                return opset.getVersion();
            }
        }
        return 0;
    }

    static boolean isDefaultDomain(String domain) {
        return domain.isEmpty() || "ai.onnx".equals(domain);
    }

    /** Opset, inputs and outputs, op counts, parameters and the MatMul/Gemm weights with their 2:4 compliance. */
    public ModelReport inspect() {
        return ModelInspector.inspect(this);
    }

    /**
     * This model with extra graph outputs, in the given order after the existing ones: what calibration needs to
     * see intermediate tensors in ONNX Runtime. Names already among the outputs are skipped.
     *
     * @param tensorNames float tensors produced by nodes of the graph
     */
    public OnnxModel withExtraOutputs(Collection<String> tensorNames) {
        GraphProto graph = proto.getGraph();
        Set<String> produced = new HashSet<>();
        for (NodeProto node : graph.getNodeList()) {
            produced.addAll(node.getOutputList());
        }
        Set<String> existing = new HashSet<>();
        graph.getOutputList().forEach(output -> existing.add(output.getName()));
        GraphProto.Builder builder = graph.toBuilder();
        for (String name : new LinkedHashSet<>(tensorNames)) {
            if (!produced.contains(name)) {
                throw new OnnxModelException("cannot expose tensor '" + name + "' of model " + source
                        + " as an output: no node produces it; pick a tensor named in a node's outputs");
            }
            if (existing.add(name)) {
                // The element type is enough for ONNX Runtime; it infers the shape.
                builder.addOutput(ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder()
                        .setTensorType(TypeProto.Tensor.newBuilder().setElemType(TensorData.FLOAT))));
            }
        }
        return withProto(proto.toBuilder().setGraph(builder).build());
    }

    /** The serialized model. */
    public byte[] toByteArray() {
        return proto.toByteArray();
    }

    /**
     * Writes the model; a reader of {@code path} sees either the old file or the complete new one.
     *
     * @throws OnnxModelException if the model is too large for one file or the file cannot be written
     */
    public void write(Path path) {
        Objects.requireNonNull(path, "path");
        long size = proto.getSerializedSize();
        if (size < 0 || size > MAX_BYTES) {
            throw new OnnxModelException("model " + source + " serializes to more than 2 GiB, the most one ONNX file "
                    + "holds without external data");
        }
        Path absolute = path.toAbsolutePath();
        Path dir = absolute.getParent();
        try {
            if (dir != null && !Files.isDirectory(dir)) {
                throw new OnnxModelException("cannot write model to " + path + ": folder " + dir
                        + " does not exist; create it first");
            }
            Path temp = Files.createTempFile(dir, absolute.getFileName().toString(), ".part");
            try {
                Files.write(temp, proto.toByteArray());
                try {
                    Files.move(temp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(temp, absolute, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(temp);
            }
        } catch (IOException e) {
            throw new OnnxModelException("cannot write model to " + path + ": " + e, e);
        }
    }

    @Override
    public String toString() {
        return "OnnxModel[" + source + ", opset " + opset() + ", " + proto.getGraph().getNodeCount() + " nodes]";
    }
}
