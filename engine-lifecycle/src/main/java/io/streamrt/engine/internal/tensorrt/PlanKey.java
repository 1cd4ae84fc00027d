package io.streamrt.engine.internal.tensorrt;

import com.google.protobuf.CodedInputStream;
import io.streamrt.engine.EngineException;
import io.streamrt.engine.onnx.OnnxModel;
import io.streamrt.engine.onnx.proto.Onnx.AttributeProto;
import io.streamrt.engine.onnx.proto.Onnx.ModelProto;
import io.streamrt.engine.onnx.proto.Onnx.NodeProto;
import io.streamrt.engine.onnx.proto.Onnx.TensorProto;
import io.streamrt.engine.onnx.proto.Onnx.ValueInfoProto;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Everything a serialized TensorRT plan depends on: a plan built for other model bytes, another TensorRT version,
 * another GPU architecture or other build flags must not be loaded. Two keys are equal exactly when their
 * {@link #canonical()} strings are, and the cache file is named after that string's SHA-256.
 *
 * <pre>{@code
 * PlanKey.ModelIdentity model = PlanKey.identify(files.onnx());
 * PlanKey key = new PlanKey(model.sha256(), "11.2.1", "8.9", model.precision(), true,
 *         OptimizationProfile.forLimits(64, 256), 2);
 * }</pre>
 *
 * @param modelSha256 SHA-256 of the ONNX file and its external data files ({@link #sha256OfModel}), 64 lower-case
 *     hex digits
 * @param tensorRtVersion the loaded libnvinfer's version, e.g. {@code 11.2.1}
 * @param computeCapability the GPU's compute capability, e.g. {@code 8.9}: plans are specific to it
 * @param precision the precision the network was built in, e.g. {@code fp32}, {@code fp16}, {@code int8-qdq}
 * @param sparseWeights whether {@code kSPARSE_WEIGHTS} was set
 * @param profile the optimization profile's min/opt/max shapes
 * @param profiles how many copies of it the plan holds: one per execution context, since contexts that run at once
 *     must not share a profile
 */
public record PlanKey(
        String modelSha256,
        String tensorRtVersion,
        String computeCapability,
        String precision,
        boolean sparseWeights,
        OptimizationProfile profile,
        int profiles) {

    /**
     * What the plan key needs from a model, read from its ONNX file alone (no TensorRT parse), so a cached plan is
     * found without parsing.
     *
     * @param sha256 as {@link #sha256OfModel}
     * @param precision what a strongly typed network built from it runs in: {@code int8-qdq} with Q/DQ nodes, else
     *     {@code fp16} or {@code bf16} where any tensor has that type, else {@code fp32}
     */
    public record ModelIdentity(String sha256, String precision) {}

    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern SAFE_TOKEN = Pattern.compile("[A-Za-z0-9._-]+");

    public PlanKey {
        Objects.requireNonNull(modelSha256, "modelSha256");
        Objects.requireNonNull(tensorRtVersion, "tensorRtVersion");
        Objects.requireNonNull(computeCapability, "computeCapability");
        Objects.requireNonNull(precision, "precision");
        Objects.requireNonNull(profile, "profile");
        if (profiles < 1) {
            throw new IllegalArgumentException("a plan holds at least one optimization profile, found " + profiles);
        }
        if (!SHA256_HEX.matcher(modelSha256).matches()) {
            throw new IllegalArgumentException("modelSha256 must be 64 lower-case hex digits, found '" + modelSha256 + "'");
        }
        // The canonical string is split on ';' and '=' by no one, but a token with them could make two keys collide.
        for (String token : new String[] {tensorRtVersion, computeCapability, precision}) {
            if (!SAFE_TOKEN.matcher(token).matches()) {
                throw new IllegalArgumentException("plan key parts must be letters, digits, '.', '_' or '-', found '"
                        + token + "'");
            }
        }
    }

    /** The key as one line: written into the plan file's header and compared on load. */
    public String canonical() {
        return "model=sha256:" + modelSha256 + ";tensorrt=" + tensorRtVersion + ";sm=" + computeCapability
                + ";precision=" + precision + ";sparse-weights=" + sparseWeights + ";profile=" + profile.canonical()
                + ";profiles=" + profiles;
    }

    /** The cache file's name: the SHA-256 of {@link #canonical()}, so any change of any part gives another file. */
    public String fileName() {
        return sha256Hex(canonical().getBytes(StandardCharsets.UTF_8)) + ".plan";
    }

    /**
     * The model's digest and precision, its ONNX file parsed once.
     *
     * @throws EngineException if the model cannot be read, or names an external data file that is not there
     */
    public static ModelIdentity identify(Path onnx) {
        ModelProto model = readProto(onnx);
        return new ModelIdentity(sha256OfModel(onnx, externalDataFiles(model)), precisionOf(model));
    }

    /**
     * SHA-256 of a model: its ONNX file's bytes and, in name order, each external data file its tensors name
     * ({@code model.onnx_data} and the like, beside the ONNX file), name and bytes; so new weights in external data
     * give another key, not a stale plan.
     *
     * @throws EngineException if the model cannot be read, or names an external data file that is not there
     */
    public static String sha256OfModel(Path onnx) {
        return sha256OfModel(onnx, externalDataFiles(onnx));
    }

    private static String sha256OfModel(Path onnx, SortedSet<String> externalDataFiles) {
        MessageDigest digest = sha256();
        update(digest, onnx);
        for (String location : externalDataFiles) {
            Path data = onnx.toAbsolutePath().getParent().resolve(location).normalize();
            if (!Files.isRegularFile(data)) {
                throw new EngineException("model " + onnx + " keeps tensors in the external data file '" + location
                        + "', which is not at " + data + "; copy it beside the model");
            }
            digest.update(("\0" + location + "\0").getBytes(StandardCharsets.UTF_8));
            update(digest, data);
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /** The external data files the model's tensors name, sorted, each once; none for a self-contained model. */
    static SortedSet<String> externalDataFiles(Path onnx) {
        return externalDataFiles(readProto(onnx));
    }

    private static SortedSet<String> externalDataFiles(ModelProto model) {
        SortedSet<String> locations = new TreeSet<>();
        OnnxModel.walk(model.getGraph(), graph -> { }, tensor -> OnnxModel.externalLocation(tensor)
                .ifPresent(locations::add));
        return locations;
    }

    /**
     * The precision a strongly typed TensorRT network keeps from the model's own types: Q/DQ nodes anywhere make it
     * {@code int8-qdq}; else a float16 (bfloat16) tensor anywhere, an initializer, a declared value or a Cast's
     * target, makes it {@code fp16} ({@code bf16}); else {@code fp32}.
     */
    static String precisionOf(ModelProto model) {
        boolean[] found = new boolean[3]; // qdq, half, bf16
        OnnxModel.walk(model.getGraph(), graph -> {
            for (NodeProto node : graph.getNodeList()) {
                String op = node.getOpType();
                found[0] |= op.equals("QuantizeLinear") || op.equals("DequantizeLinear");
                if (op.equals("Cast")) {
                    for (AttributeProto attribute : node.getAttributeList()) {
                        if (attribute.getName().equals("to")) {
                            markFloat(found, (int) attribute.getI());
                        }
                    }
                }
            }
            for (List<ValueInfoProto> values : List.of(graph.getInputList(), graph.getOutputList(),
                    graph.getValueInfoList())) {
                for (ValueInfoProto value : values) {
                    if (value.getType().hasTensorType()) {
                        markFloat(found, value.getType().getTensorType().getElemType());
                    }
                }
            }
        }, tensor -> markFloat(found, tensor.getDataType()));
        return TensorRtPlanBuilder.precisionName(found[0], found[1], found[2]);
    }

    private static void markFloat(boolean[] found, int dataType) {
        found[1] |= dataType == TensorProto.DataType.FLOAT16_VALUE;
        found[2] |= dataType == TensorProto.DataType.BFLOAT16_VALUE;
    }

    private static ModelProto readProto(Path onnx) {
        try (InputStream in = Files.newInputStream(onnx)) {
            CodedInputStream coded = CodedInputStream.newInstance(in);
            coded.setRecursionLimit(1000); // deep subgraphs, as OnnxModel allows
            return ModelProto.parser().parseFrom(coded);
        } catch (IOException e) {
            throw new EngineException("could not read " + onnx + " as an ONNX model for the TensorRT plan cache: "
                    + e.getMessage() + "; check that the model file exists and is an ONNX model", e);
        }
    }

    /** SHA-256 of a file's bytes, streamed (models reach gigabytes). */
    public static String sha256Of(Path file) {
        MessageDigest digest = sha256();
        update(digest, file);
        return HexFormat.of().formatHex(digest.digest());
    }

    private static void update(MessageDigest digest, Path file) {
        byte[] buffer = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                digest.update(buffer, 0, n);
            }
        } catch (IOException e) {
            throw new EngineException("could not read " + file + " to compute its SHA-256 for the TensorRT plan cache: "
                    + e.getMessage() + "; check that the model file exists and is readable", e);
        }
    }

    static String sha256Hex(byte[] bytes) {
        return HexFormat.of().formatHex(sha256().digest(bytes)).toLowerCase(Locale.ROOT);
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
