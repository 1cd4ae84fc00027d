package io.streamrt.engine.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import io.streamrt.engine.onnx.proto.Onnx.GraphProto;
import io.streamrt.engine.onnx.proto.Onnx.ModelProto;
import io.streamrt.engine.onnx.proto.Onnx.NodeProto;
import io.streamrt.engine.onnx.proto.Onnx.OperatorSetIdProto;
import io.streamrt.engine.onnx.proto.Onnx.StringStringEntryProto;
import io.streamrt.engine.onnx.proto.Onnx.TensorProto;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading and writing ONNX files: exact round trips and clear refusals. */
class OnnxModelTest {

    @TempDir
    Path dir;

    @Test
    void realModelsRoundTripByteForByte() throws IOException {
        for (Path file : List.of(MiniLmFixture.fp32Files().onnx(), MiniLmFixture.int8Files().onnx())) {
            byte[] original = Files.readAllBytes(file);
            OnnxModel model = OnnxModel.read(file);
            Path copy = dir.resolve("copy.onnx");
            model.write(copy);
            assertThat(Arrays.equals(Files.readAllBytes(copy), original)).as("bytes of %s", file).isTrue();
        }
    }

    @Test
    void fieldsOutsideTheSchemaSurviveARoundTrip() {
        // ModelProto.functions (25) and NodeProto.metadata_props (9) are not in StreamRT's schema.
        UnknownFieldSet functions = UnknownFieldSet.newBuilder().addField(25, UnknownFieldSet.Field.newBuilder()
                .addLengthDelimited(ByteString.copyFromUtf8("\n\u0003fn1")).build()).build();
        UnknownFieldSet nodeMetadata = UnknownFieldSet.newBuilder().addField(9, UnknownFieldSet.Field.newBuilder()
                .addLengthDelimited(StringStringEntryProto.newBuilder().setKey("k").setValue("v").build()
                        .toByteString()).build()).build();
        ModelProto proto = tinyModel().toBuilder()
                .setGraph(tinyModel().getGraph().toBuilder().setNode(0,
                        tinyModel().getGraph().getNode(0).toBuilder().setUnknownFields(nodeMetadata)))
                .setUnknownFields(functions).build();
        byte[] bytes = proto.toByteArray();

        OnnxModel model = OnnxModel.parse(bytes, "memory");

        assertThat(model.proto().getUnknownFields().hasField(25)).isTrue();
        assertThat(model.proto().getGraph().getNode(0).getUnknownFields().hasField(9)).isTrue();
        assertThat(model.toByteArray()).isEqualTo(bytes);
    }

    @Test
    void aMissingFileIsRefusedWithItsPath() {
        Path missing = dir.resolve("nope.onnx");
        assertThatThrownBy(() -> OnnxModel.read(missing)).isInstanceOf(OnnxModelException.class)
                .hasMessageContaining("does not exist").hasMessageContaining(missing.toString());
    }

    @Test
    void aTruncatedModelIsCalledTruncated() throws IOException {
        byte[] original = Files.readAllBytes(MiniLmFixture.int8Files().onnx());
        Path cut = dir.resolve("cut.onnx");
        Files.write(cut, Arrays.copyOf(original, original.length / 2));
        assertThatThrownBy(() -> OnnxModel.read(cut)).isInstanceOf(OnnxModelException.class)
                .hasMessageContaining("is truncated").hasMessageContaining("export or download the model again");
    }

    @Test
    void aTextFileIsNotAModel() throws IOException {
        Path text = dir.resolve("notes.onnx");
        Files.writeString(text, "{\"this\": \"is json, not a model\"}");
        assertThatThrownBy(() -> OnnxModel.read(text)).isInstanceOf(OnnxModelException.class)
                .hasMessageContaining("expected").hasMessageContaining("ModelProto");
    }

    @Test
    void anEmptyFileIsRefused() throws IOException {
        Path empty = Files.createFile(dir.resolve("empty.onnx"));
        assertThatThrownBy(() -> OnnxModel.read(empty)).hasMessageContaining("is empty (0 bytes)");
    }

    @Test
    void protobufThatIsNotAModelIsRefused() throws IOException {
        // Valid protobuf (a lone StringStringEntryProto), but no graph and no opset.
        Path other = dir.resolve("other.onnx");
        Files.write(other, StringStringEntryProto.newBuilder().setKey("a").build().toByteArray());
        assertThatThrownBy(() -> OnnxModel.read(other)).hasMessageContaining("is not an ONNX model")
                .hasMessageContaining("no graph");
    }

    @Test
    void externalDataIsRefusedWithTheFixInTheMessage() {
        TensorProto external = TensorProto.newBuilder().setName("w").setDataType(1).addDims(4)
                .setDataLocation(TensorProto.DataLocation.EXTERNAL)
                .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue("w.bin")).build();
        ModelProto proto = tinyModel().toBuilder()
                .setGraph(tinyModel().getGraph().toBuilder().addInitializer(external)).build();
        assertThatThrownBy(() -> OnnxModel.parse(proto.toByteArray(), "big.onnx"))
                .hasMessageContaining("external data file 'w.bin'").hasMessageContaining("save_as_external_data=False");
    }

    @Test
    void extraOutputsMustBeProducedByANode() {
        OnnxModel model = OnnxModel.of(tinyModel(), "tiny");
        assertThat(model.withExtraOutputs(List.of("y")).proto().getGraph().getOutputCount()).isEqualTo(1);
        assertThat(model.withExtraOutputs(List.of("h")).proto().getGraph().getOutput(1).getName()).isEqualTo("h");
        assertThatThrownBy(() -> model.withExtraOutputs(List.of("ghost"))).hasMessageContaining("no node produces");
    }

    @Test
    void writeRefusesAMissingFolder() {
        OnnxModel model = OnnxModel.of(tinyModel(), "tiny");
        assertThatThrownBy(() -> model.write(dir.resolve("no/such/dir/m.onnx")))
                .hasMessageContaining("does not exist; create it first");
    }

    /** x -> Relu -> h -> Relu -> y. */
    static ModelProto tinyModel() {
        GraphProto graph = GraphProto.newBuilder().setName("tiny")
                .addNode(NodeProto.newBuilder().setOpType("Relu").addInput("x").addOutput("h"))
                .addNode(NodeProto.newBuilder().setOpType("Relu").addInput("h").addOutput("y"))
                .addInput(Graphs.floatValue("x", 2, 4))
                .addOutput(Graphs.floatValue("y", 2, 4))
                .build();
        return ModelProto.newBuilder().setIrVersion(7).setProducerName("test")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(13)).setGraph(graph).build();
    }
}
