package io.streamrt.engine.onnx;

import io.streamrt.engine.onnx.proto.Onnx.TensorShapeProto;
import io.streamrt.engine.onnx.proto.Onnx.TypeProto;
import io.streamrt.engine.onnx.proto.Onnx.ValueInfoProto;

/** Small helpers for building test graphs. */
final class Graphs {

    private Graphs() {}

    static ValueInfoProto floatValue(String name, long... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (long dim : dims) {
            shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(dim));
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder()
                .setTensorType(TypeProto.Tensor.newBuilder().setElemType(1).setShape(shape))).build();
    }
}
