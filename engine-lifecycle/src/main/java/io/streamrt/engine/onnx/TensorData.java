package io.streamrt.engine.onnx;

import com.google.protobuf.ByteString;
import io.streamrt.engine.onnx.proto.Onnx.TensorProto;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * Values of initializer tensors: decoding from either storage ONNX allows ({@code raw_data}, little-endian, or the
 * typed repeated fields) and encoding as {@code raw_data}, which every runtime reads.
 */
final class TensorData {

    static final int FLOAT = TensorProto.DataType.FLOAT_VALUE;
    static final int UINT8 = TensorProto.DataType.UINT8_VALUE;
    static final int INT8 = TensorProto.DataType.INT8_VALUE;
    static final int INT32 = TensorProto.DataType.INT32_VALUE;
    static final int INT64 = TensorProto.DataType.INT64_VALUE;

    private TensorData() {}

    static long elementCount(TensorProto tensor) {
        long count = 1;
        for (long dim : tensor.getDimsList()) {
            count *= dim;
        }
        return count;
    }

    /** Bytes per element, or 0 where the type has no fixed width (string) or is not known here. */
    static int elementBytes(int dataType) {
        return switch (dataType) {
            case 1, 6, 12 -> 4; // float, int32, uint32
            case 2, 3, 9, 17, 18, 19, 20, 24 -> 1; // uint8, int8, bool, float8 variants, float8e8m0
            case 4, 5, 10, 16 -> 2; // uint16, int16, float16, bfloat16
            case 7, 11, 13, 14 -> 8; // int64, double, uint64, complex64
            case 15 -> 16; // complex128
            default -> 0;
        };
    }

    static String typeName(int dataType) {
        return switch (dataType) {
            case 1 -> "float32";
            case 2 -> "uint8";
            case 3 -> "int8";
            case 4 -> "uint16";
            case 5 -> "int16";
            case 6 -> "int32";
            case 7 -> "int64";
            case 8 -> "string";
            case 9 -> "bool";
            case 10 -> "float16";
            case 11 -> "float64";
            case 12 -> "uint32";
            case 13 -> "uint64";
            case 16 -> "bfloat16";
            case 21 -> "uint4";
            case 22 -> "int4";
            default -> "type" + dataType;
        };
    }

    static float[] floats(TensorProto tensor) {
        requireType(tensor, FLOAT);
        int count = checkedCount(tensor);
        if (tensor.hasRawData()) {
            ByteBuffer raw = rawBuffer(tensor, count * 4L);
            float[] values = new float[count];
            raw.asFloatBuffer().get(values);
            return values;
        }
        requireStoredCount(tensor, tensor.getFloatDataCount(), count);
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = tensor.getFloatData(i);
        }
        return values;
    }

    /** 8-bit integers as ints: int8 as -128..127, uint8 as 0..255. */
    static int[] bytesAsInts(TensorProto tensor) {
        int type = tensor.getDataType();
        if (type != INT8 && type != UINT8) {
            throw new OnnxModelException("tensor '" + tensor.getName() + "': expected int8 or uint8, found "
                    + typeName(type));
        }
        int count = checkedCount(tensor);
        int[] values = new int[count];
        if (tensor.hasRawData()) {
            ByteBuffer raw = rawBuffer(tensor, count);
            for (int i = 0; i < count; i++) {
                byte b = raw.get(i);
                values[i] = type == INT8 ? b : b & 0xff;
            }
            return values;
        }
        // The specification stores 8-bit types one per int32_data entry.
        requireStoredCount(tensor, tensor.getInt32DataCount(), count);
        for (int i = 0; i < count; i++) {
            values[i] = tensor.getInt32Data(i);
        }
        return values;
    }

    static TensorProto floatTensor(String name, List<Long> dims, float[] values) {
        ByteBuffer raw = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        raw.asFloatBuffer().put(values);
        return TensorProto.newBuilder().setName(name).setDataType(FLOAT).addAllDims(dims)
                .setRawData(ByteString.copyFrom(raw.array())).build();
    }

    static TensorProto int8Tensor(String name, List<Long> dims, byte[] values) {
        return TensorProto.newBuilder().setName(name).setDataType(INT8).addAllDims(dims)
                .setRawData(ByteString.copyFrom(values)).build();
    }

    static TensorProto int64Tensor(String name, List<Long> dims, long[] values) {
        ByteBuffer raw = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        raw.asLongBuffer().put(values);
        return TensorProto.newBuilder().setName(name).setDataType(INT64).addAllDims(dims)
                .setRawData(ByteString.copyFrom(raw.array())).build();
    }

    /** Replaces the values of a float tensor, keeping its name, shape, doc string and unknown fields. */
    static TensorProto withFloats(TensorProto tensor, float[] values) {
        ByteBuffer raw = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        raw.asFloatBuffer().put(values);
        return tensor.toBuilder().clearFloatData().setRawData(ByteString.copyFrom(raw.array())).build();
    }

    private static void requireType(TensorProto tensor, int type) {
        if (tensor.getDataType() != type) {
            throw new OnnxModelException("tensor '" + tensor.getName() + "': expected " + typeName(type)
                    + ", found " + typeName(tensor.getDataType()));
        }
    }

    private static int checkedCount(TensorProto tensor) {
        long count = elementCount(tensor);
        if (count > Integer.MAX_VALUE / 8) {
            throw new OnnxModelException("tensor '" + tensor.getName() + "' has " + count
                    + " elements, more than the " + Integer.MAX_VALUE / 8 + " one tensor may have here");
        }
        return (int) count;
    }

    private static ByteBuffer rawBuffer(TensorProto tensor, long expectedBytes) {
        ByteString raw = tensor.getRawData();
        if (raw.size() != expectedBytes) {
            throw new OnnxModelException("tensor '" + tensor.getName() + "' of shape " + tensor.getDimsList() + " and type "
                    + typeName(tensor.getDataType()) + " needs " + expectedBytes + " bytes of raw_data, found "
                    + raw.size() + "; the model is damaged: export it again");
        }
        // slice(): a substring ByteString may start its buffer at a non-zero position.
        return raw.asReadOnlyByteBuffer().slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    private static void requireStoredCount(TensorProto tensor, int stored, int expected) {
        if (stored != expected) {
            throw new OnnxModelException("tensor '" + tensor.getName() + "' of shape " + tensor.getDimsList()
                    + " needs " + expected + " values, found " + stored + "; the model is damaged: export it again");
        }
    }
}
