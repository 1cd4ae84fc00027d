package io.streamrt.engine.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamrt.engine.EncoderBatch;
import io.streamrt.engine.onnx.proto.Onnx.AttributeProto;
import io.streamrt.engine.onnx.proto.Onnx.GraphProto;
import io.streamrt.engine.onnx.proto.Onnx.ModelProto;
import io.streamrt.engine.onnx.proto.Onnx.NodeProto;
import io.streamrt.engine.onnx.proto.Onnx.OperatorSetIdProto;
import io.streamrt.engine.onnx.proto.Onnx.TensorProto;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** float32 to float16 on the real MiniLM, checked by running both through ONNX Runtime (which runs float16 on CPU). */
class Fp16ConverterTest {

    private static final OperatorSetIdProto OPSET = OperatorSetIdProto.newBuilder().setVersion(13).build();

    @Test
    void miniLmInFloat16GivesTheSameEmbeddingsAndKeepsItsStatisticsInFloat32() throws Exception {
        OnnxModel fp32 = MiniLmFixture.fp32();
        Fp16Converter.Result result = Fp16Converter.convert(fp32);
        GraphProto graph = result.model().proto().getGraph();

        assertThat(graph.getInitializerList()).allMatch(t -> t.getDataType() != TensorProto.DataType.FLOAT_VALUE);
        assertThat(result.initializers()).isGreaterThan(90);
        // 13 LayerNorms (two ReduceMeans, a Pow and a Sqrt each) and 6 Softmaxes.
        assertThat(result.keptInFloat32()).isEqualTo(13 * 4 + 6);
        assertThat(graph.getOutput(0).getType().getTensorType().getElemType())
                .as("the output stays float32").isEqualTo(TensorProto.DataType.FLOAT_VALUE);
        assertThat(graph.getInput(0).getType().getTensorType().getElemType()).isEqualTo(TensorProto.DataType.INT64_VALUE);

        List<EncoderBatch> batches = MiniLmFixture.batches(MiniLmFixture.SENTENCES, 16);
        float[][] expected = MiniLmFixture.embed(fp32.toByteArray(), batches);
        float[][] actual = MiniLmFixture.embed(result.model().toByteArray(), batches);
        double[] cosines = MiniLmFixture.cosines(expected, actual);
        double lowest = Arrays.stream(cosines).min().orElseThrow();
        System.out.printf("float16 MiniLM vs float32 on ONNX Runtime, %d sentences: lowest cosine %.6f%n",
                cosines.length, lowest);
        assertThat(lowest).isGreaterThanOrEqualTo(0.999);
    }

    @Test
    void halvesRoundToNearestEvenAndSaturateConstantsAtTheLargestFiniteHalf() {
        assertThat(Half.fromFloat(1f)).isEqualTo((short) 0x3c00);
        assertThat(Half.fromFloat(-2f)).isEqualTo((short) 0xc000);
        assertThat(Half.fromFloat(0.1f)).isEqualTo((short) 0x2e66);
        assertThat(Half.fromFloat(65504f)).isEqualTo((short) 0x7bff);
        assertThat(Half.fromFloat(65520f)).as("halfway to 2^16 rounds to even: infinity").isEqualTo((short) 0x7c00);
        assertThat(Half.fromFloat(0x1p-24f)).as("smallest subnormal").isEqualTo((short) 0x0001);
        assertThat(Half.fromFloat(0x1p-26f)).as("below half of it").isEqualTo((short) 0x0000);
        assertThat(Half.fromFloat(1f + 0x1p-11f)).as("a tie rounds to the even mantissa").isEqualTo((short) 0x3c00);
        assertThat(Half.fromFloat(1f + 0x1p-11f + 0x1p-20f)).isEqualTo((short) 0x3c01);
        assertThat(Half.fromFloat(Float.NaN) & 0x7fff).isGreaterThan(0x7c00);
        for (float value : new float[] {0.5f, -3.25f, 1024f, 0x1p-14f, 0x1p-20f}) {
            assertThat(Half.toFloat(Half.fromFloat(value))).isEqualTo(value);
        }
        // A mask filled with float32's lowest value: -65504 in float16, never -infinity (0 x -inf is NaN).
        ModelProto mask = model(NodeProto.newBuilder().setOpType("Constant").addOutput("y")
                .addAttribute(AttributeProto.newBuilder().setName("value").setType(AttributeProto.AttributeType.TENSOR)
                        .setT(TensorData.floatTensor("m", List.of(1L), new float[] {-Float.MAX_VALUE}))).build());
        TensorProto converted = Fp16Converter.convert(OnnxModel.of(mask, "mask")).model().proto().getGraph()
                .getNodeList().stream().filter(n -> n.getOpType().equals("Constant")).findFirst().orElseThrow()
                .getAttribute(0).getT();
        assertThat(converted.getDataType()).isEqualTo(TensorProto.DataType.FLOAT16_VALUE);
        assertThat(Half.toFloat(converted.getRawData().asReadOnlyByteBuffer()
                .order(java.nio.ByteOrder.LITTLE_ENDIAN).getShort())).isEqualTo(-65504f);
    }

    @Test
    void aModelWithoutFloatWeightsOrWithSubgraphsIsRefused() {
        ModelProto noWeights = ModelProto.newBuilder().setIrVersion(8).addOpsetImport(OPSET).setGraph(GraphProto.newBuilder().setName("g")
                .addNode(NodeProto.newBuilder().setOpType("Relu").addInput("x").addOutput("y"))).build();
        assertThatThrownBy(() -> Fp16Converter.convert(OnnxModel.of(noWeights, "plain")))
                .hasMessageContaining("no float32 weights");
        ModelProto withIf = model(NodeProto.newBuilder().setOpType("If").addInput("c").addOutput("y")
                .addAttribute(AttributeProto.newBuilder().setName("then_branch")
                        .setType(AttributeProto.AttributeType.GRAPH).setG(GraphProto.newBuilder().setName("t")))
                .build());
        assertThatThrownBy(() -> Fp16Converter.convert(OnnxModel.of(withIf, "branchy")))
                .hasMessageContaining("subgraph").hasMessageContaining("If");
    }

    /** One float32 weight, {@code node}, and an Add that reads the weight. */
    private static ModelProto model(NodeProto node) {
        return ModelProto.newBuilder().setIrVersion(8).addOpsetImport(OPSET).setGraph(GraphProto.newBuilder().setName("g")
                .addInitializer(TensorData.floatTensor("w", List.of(1L), new float[] {0.5f}))
                .addNode(node)
                .addNode(NodeProto.newBuilder().setOpType("Add").addInput("y").addInput("w").addOutput("z")))
                .build();
    }
}
