package io.streamrt.engine.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.streamrt.engine.internal.onnxruntime.OrtEnvironments;
import io.streamrt.engine.onnx.proto.Onnx.AttributeProto;
import io.streamrt.engine.onnx.proto.Onnx.GraphProto;
import io.streamrt.engine.onnx.proto.Onnx.ModelProto;
import io.streamrt.engine.onnx.proto.Onnx.NodeProto;
import io.streamrt.engine.onnx.proto.Onnx.OperatorSetIdProto;
import java.nio.FloatBuffer;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Opset 11 to 13: operators whose signature or meaning changed give the same results after the rewrite. */
class OpsetUpgraderTest {

    @Test
    void unsqueezeAndSoftmaxOverAFlattenedViewComputeTheSameAtOpset13() throws Exception {
        // x [2, 3] -> Unsqueeze(axes=[1]) -> [2, 1, 3] -> Softmax(axis=1): at opset 11 a softmax over the
        // flattened [2, 3] view, i.e. over each row; at opset 13 axis=1 would be a softmax over a size-1 axis.
        GraphProto graph = GraphProto.newBuilder().setName("g")
                .addNode(NodeProto.newBuilder().setOpType("Unsqueeze").setName("u").addInput("x").addOutput("u_out")
                        .addAttribute(AttributeProto.newBuilder().setName("axes").setType(AttributeProto.AttributeType.INTS)
                                .addInts(1)))
                .addNode(NodeProto.newBuilder().setOpType("Softmax").setName("s").addInput("u_out").addOutput("y")
                        .addAttribute(AttributeProto.newBuilder().setName("axis").setType(AttributeProto.AttributeType.INT)
                                .setI(1)))
                .addInput(Graphs.floatValue("x", 2, 3))
                .addOutput(Graphs.floatValue("y", 2, 1, 3))
                .build();
        ModelProto opset11 = ModelProto.newBuilder().setIrVersion(6)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(11)).setGraph(graph).build();

        ModelProto opset13 = OpsetUpgrader.upgrade(opset11, "test");

        assertThat(OnnxModel.of(opset13, "test").opset()).isEqualTo(13);
        assertThat(opset13.getIrVersion()).isEqualTo(7);
        assertThat(opset13.getGraph().getNode(0).getInputList()).containsExactly("x", "u_axes");
        assertThat(opset13.getGraph().getNodeList()).extracting(NodeProto::getOpType)
                .containsExactly("Unsqueeze", "Shape", "Flatten", "Softmax", "Reshape");
        float[] x = {1, 2, 3, -1, 0, 4};
        assertThat(run(opset13, x)).containsExactly(run(opset11, x));
    }

    private static float[] run(ModelProto model, float[] x) throws Exception {
        OrtEnvironment env = OrtEnvironments.get();
        try (OrtSession session = env.createSession(model.toByteArray());
                OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), new long[] {2, 3});
                OrtSession.Result result = session.run(Map.of("x", input))) {
            FloatBuffer out = ((OnnxTensor) result.get(0)).getFloatBuffer();
            float[] values = new float[out.remaining()];
            out.get(values);
            return values;
        }
    }
}
