package io.streamrt.engine.onnx;

import com.google.protobuf.CodedInputStream;
import io.streamrt.engine.onnx.proto.Onnx.TensorShapeProto;
import io.streamrt.engine.onnx.proto.Onnx.TypeProto;
import io.streamrt.engine.onnx.proto.Onnx.ValueInfoProto;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A model's graph inputs and outputs, read from the file without loading its weights: the protobuf fields of the
 * graph are walked and the initializers' data skipped, so even a large model is checked in well under a second,
 * where the job is submitted, before any TaskManager tries to open it.
 *
 * <pre>{@code
 * ModelSignature signature = ModelSignature.read(Path.of("model.onnx"));
 * signature.inputs();   // [input_ids: int64 [batch, sequence], attention_mask: int64 [batch, sequence]]
 * }</pre>
 *
 * @param inputs the graph inputs that are fed (initializers listed as inputs, as old exports do, left out)
 * @param outputs the graph outputs
 */
public record ModelSignature(List<Tensor> inputs, List<Tensor> outputs) {

    private static final int MODEL_GRAPH = 7;
    private static final int GRAPH_INITIALIZER = 5;
    private static final int GRAPH_INPUT = 11;
    private static final int GRAPH_OUTPUT = 12;
    private static final int TENSOR_NAME = 8;

    /** ONNX element types by number, as {@code TensorProto.DataType} numbers them. */
    private static final Map<Integer, String> TYPES = Map.ofEntries(Map.entry(1, "float32"), Map.entry(2, "uint8"),
            Map.entry(3, "int8"), Map.entry(4, "uint16"), Map.entry(5, "int16"), Map.entry(6, "int32"),
            Map.entry(7, "int64"), Map.entry(8, "string"), Map.entry(9, "bool"), Map.entry(10, "float16"),
            Map.entry(11, "float64"), Map.entry(12, "uint32"), Map.entry(13, "uint64"), Map.entry(16, "bfloat16"));

    public ModelSignature {
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
    }

    /**
     * One input or output.
     *
     * @param name as the graph names it
     * @param type {@code int64}, {@code int32}, {@code float32}, {@code float16}, ... ({@code non-tensor} for
     *     sequences and maps)
     * @param shape dimensions, -1 for a dynamic one (named or unknown)
     */
    public record Tensor(String name, String type, long[] shape) {
        public Tensor {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(type, "type");
            shape = shape.clone();
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }

        public int rank() {
            return shape.length;
        }

        @Override
        public String toString() {
            StringBuilder dims = new StringBuilder("[");
            for (int i = 0; i < shape.length; i++) {
                dims.append(i > 0 ? ", " : "").append(shape[i] < 0 ? "?" : String.valueOf(shape[i]));
            }
            return name + ": " + type + " " + dims.append(']');
        }
    }

    /** The ONNX element type's name for a {@code TensorProto.DataType} number, e.g. 7 is {@code int64}. */
    public static String typeName(int elemType) {
        return TYPES.getOrDefault(elemType, "type-" + elemType);
    }

    /**
     * Reads the signature of a model file.
     *
     * @throws OnnxModelException if the file is missing, unreadable or not an ONNX model
     */
    public static ModelSignature read(Path path) {
        Objects.requireNonNull(path, "path");
        try (InputStream in = Files.newInputStream(path)) {
            CodedInputStream model = CodedInputStream.newInstance(in);
            model.setSizeLimit(Integer.MAX_VALUE);
            List<ValueInfoProto> inputs = new ArrayList<>();
            List<ValueInfoProto> outputs = new ArrayList<>();
            Set<String> initializers = new HashSet<>();
            boolean graphSeen = false;
            for (int tag = model.readTag(); tag != 0; tag = model.readTag()) {
                if (tag >>> 3 != MODEL_GRAPH) {
                    model.skipField(tag);
                    continue;
                }
                graphSeen = true;
                int graphEnd = model.pushLimit(model.readRawVarint32());
                for (int g = model.readTag(); g != 0; g = model.readTag()) {
                    switch (g >>> 3) {
                        case GRAPH_INPUT -> inputs.add(ValueInfoProto.parseFrom(model.readBytes()));
                        case GRAPH_OUTPUT -> outputs.add(ValueInfoProto.parseFrom(model.readBytes()));
                        case GRAPH_INITIALIZER -> initializers.add(initializerName(model));
                        default -> model.skipField(g);
                    }
                }
                model.popLimit(graphEnd);
            }
            if (!graphSeen || outputs.isEmpty()) {
                throw new OnnxModelException("'" + path + "' is not an ONNX model (no graph with outputs found); "
                        + "pass the .onnx file the exporter wrote");
            }
            return new ModelSignature(inputs.stream().filter(i -> !initializers.contains(i.getName()))
                    .map(ModelSignature::tensor).toList(), outputs.stream().map(ModelSignature::tensor).toList());
        } catch (NoSuchFileException e) {
            throw new OnnxModelException("model file '" + path + "' does not exist; check the path", e);
        } catch (IOException e) {
            throw new OnnxModelException("'" + path + "' cannot be read as an ONNX model (" + e.getMessage()
                    + "); check that the file is complete and is an .onnx model", e);
        }
    }

    /** Reads one initializer's name, skipping its data. */
    private static String initializerName(CodedInputStream in) throws IOException {
        int end = in.pushLimit(in.readRawVarint32());
        String name = "";
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            if (tag >>> 3 == TENSOR_NAME) {
                name = in.readString();
            } else {
                in.skipField(tag);
            }
        }
        in.popLimit(end);
        return name;
    }

    private static Tensor tensor(ValueInfoProto value) {
        TypeProto type = value.getType();
        if (!type.hasTensorType()) {
            return new Tensor(value.getName(), "non-tensor", new long[0]);
        }
        TypeProto.Tensor tensor = type.getTensorType();
        List<TensorShapeProto.Dimension> dims = tensor.getShape().getDimList();
        long[] shape = new long[dims.size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = dims.get(i).hasDimValue() ? dims.get(i).getDimValue() : -1;
        }
        return new Tensor(value.getName(), typeName(tensor.getElemType()), shape);
    }
}
