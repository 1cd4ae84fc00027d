package io.streamrt.engine.internal.tensorrt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamrt.engine.onnx.proto.Onnx.AttributeProto;
import io.streamrt.engine.onnx.proto.Onnx.GraphProto;
import io.streamrt.engine.onnx.proto.Onnx.ModelProto;
import io.streamrt.engine.onnx.proto.Onnx.NodeProto;
import io.streamrt.engine.onnx.proto.Onnx.StringStringEntryProto;
import io.streamrt.engine.onnx.proto.Onnx.TensorProto;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Plan cache keys: a plan must be looked up under another name whenever anything it depends on changes. */
class PlanKeyTest {

    private static final String MODEL = "a".repeat(64);
    private static final OptimizationProfile PROFILE = new OptimizationProfile(1, 32, 64, 1, 128, 256);
    private static final PlanKey BASE = new PlanKey(MODEL, "11.2.1", "8.9", "fp32", true, PROFILE, 1);

    @Test
    void equalInputsGiveTheSameFile() {
        PlanKey same = new PlanKey(MODEL, "11.2.1", "8.9", "fp32", true,
                new OptimizationProfile(1, 32, 64, 1, 128, 256), 1);

        assertThat(same.fileName()).isEqualTo(BASE.fileName());
        assertThat(same.canonical()).isEqualTo(BASE.canonical());
        assertThat(BASE.fileName()).matches("[0-9a-f]{64}\\.plan");
        assertThat(BASE.canonical()).isEqualTo("model=sha256:" + MODEL + ";tensorrt=11.2.1;sm=8.9;precision=fp32;"
                + "sparse-weights=true;profile=batch 1/32/64, sequence 1/128/256;profiles=1");
    }

    @Test
    void everyInputChangesTheKey() {
        List<PlanKey> variants = List.of(
                new PlanKey("b".repeat(64), "11.2.1", "8.9", "fp32", true, PROFILE, 1),
                new PlanKey(MODEL, "11.2.2", "8.9", "fp32", true, PROFILE, 1),
                new PlanKey(MODEL, "11.2.1", "9.0", "fp32", true, PROFILE, 1),
                new PlanKey(MODEL, "11.2.1", "8.9", "int8-qdq", true, PROFILE, 1),
                new PlanKey(MODEL, "11.2.1", "8.9", "fp32", false, PROFILE, 1),
                new PlanKey(MODEL, "11.2.1", "8.9", "fp32", true, new OptimizationProfile(2, 32, 64, 1, 128, 256), 1),
                new PlanKey(MODEL, "11.2.1", "8.9", "fp32", true, new OptimizationProfile(1, 16, 64, 1, 128, 256), 1),
                new PlanKey(MODEL, "11.2.1", "8.9", "fp32", true, new OptimizationProfile(1, 32, 128, 1, 128, 256), 1),
                new PlanKey(MODEL, "11.2.1", "8.9", "fp32", true, new OptimizationProfile(1, 32, 64, 8, 128, 256), 1),
                new PlanKey(MODEL, "11.2.1", "8.9", "fp32", true, new OptimizationProfile(1, 32, 64, 1, 64, 256), 1),
                new PlanKey(MODEL, "11.2.1", "8.9", "fp32", true, new OptimizationProfile(1, 32, 64, 1, 128, 512), 1),
                new PlanKey(MODEL, "11.2.1", "8.9", "fp32", true, PROFILE, 2));

        Set<String> files = new HashSet<>();
        files.add(BASE.fileName());
        for (PlanKey variant : variants) {
            assertThat(variant.fileName()).as(variant.canonical()).isNotEqualTo(BASE.fileName());
            files.add(variant.fileName());
        }
        assertThat(files).as("all distinct from each other too").hasSize(variants.size() + 1);
    }

    @Test
    void theModelHashFollowsTheBytesNotTheFileName(@TempDir Path dir) throws IOException {
        Path a = Files.write(dir.resolve("a.onnx"), new byte[] {1, 2, 3});
        Path sameBytes = Files.write(dir.resolve("renamed.onnx"), new byte[] {1, 2, 3});
        Path otherBytes = Files.write(dir.resolve("b.onnx"), new byte[] {1, 2, 4});

        assertThat(PlanKey.sha256Of(a)).isEqualTo(PlanKey.sha256Of(sameBytes))
                .isEqualTo("039058c6f2c0cb492c533b0a4d14ef77cc0f78abccced5287d84a1a2011cfb81")
                .isNotEqualTo(PlanKey.sha256Of(otherBytes));
    }

    @Test
    void aMissingModelFileSaysWhichAndWhatToDo(@TempDir Path dir) {
        assertThatThrownBy(() -> PlanKey.sha256Of(dir.resolve("missing.onnx")))
                .hasMessageContaining("could not read " + dir.resolve("missing.onnx"))
                .hasMessageContaining("check that the model file exists and is readable");
    }

    @Test
    void newWeightsInExternalDataGiveAnotherModelHash(@TempDir Path dir) throws IOException {
        Path onnx = dir.resolve("model.onnx");
        Files.write(onnx, modelWithExternalWeights("model.onnx_data").toByteArray());
        Files.write(dir.resolve("model.onnx_data"), new byte[] {1, 2, 3, 4});
        String before = PlanKey.sha256OfModel(onnx);

        assertThat(PlanKey.externalDataFiles(onnx)).containsExactly("model.onnx_data");
        assertThat(PlanKey.sha256OfModel(onnx)).isEqualTo(before);
        Files.write(dir.resolve("model.onnx_data"), new byte[] {1, 2, 3, 5});
        assertThat(PlanKey.sha256OfModel(onnx)).as("same .onnx bytes, other weights").isNotEqualTo(before)
                .matches("[0-9a-f]{64}");

        Files.delete(dir.resolve("model.onnx_data"));
        assertThatThrownBy(() -> PlanKey.sha256OfModel(onnx))
                .hasMessageContaining("external data file 'model.onnx_data'").hasMessageContaining("beside the model");
    }

    @Test
    void aSelfContainedModelHashesItsOwnBytesOnly(@TempDir Path dir) throws IOException {
        Path onnx = dir.resolve("model.onnx");
        Files.write(onnx, ModelProto.newBuilder().setIrVersion(8).setGraph(GraphProto.newBuilder().setName("g")
                .addInitializer(TensorProto.newBuilder().setName("w").setDataType(1).addDims(1).addFloatData(1f)))
                .build().toByteArray());
        Files.write(dir.resolve("unrelated.bin"), new byte[] {9});

        assertThat(PlanKey.externalDataFiles(onnx)).isEmpty();
        assertThat(PlanKey.sha256OfModel(onnx)).isEqualTo(PlanKey.sha256Of(onnx));
    }

    @Test
    void aPlanHoldsAtLeastOneProfile() {
        assertThatThrownBy(() -> new PlanKey(MODEL, "11.2.1", "8.9", "fp32", true, PROFILE, 0))
                .hasMessageContaining("at least one optimization profile");
    }

    @Test
    void theModelsIdentityGivesItsDigestAndThePrecisionItsTypesGiveTensorRt(@TempDir Path dir) throws IOException {
        Path fp32 = write(dir, "fp32.onnx", graph(TensorProto.DataType.FLOAT_VALUE, "MatMul"));
        Path fp16 = write(dir, "fp16.onnx", graph(TensorProto.DataType.FLOAT16_VALUE, "MatMul"));
        Path bf16 = write(dir, "bf16.onnx", graph(TensorProto.DataType.BFLOAT16_VALUE, "MatMul"));
        Path qdq = write(dir, "qdq.onnx", graph(TensorProto.DataType.FLOAT16_VALUE, "DequantizeLinear"));
        Path castToHalf = write(dir, "cast.onnx", graph(TensorProto.DataType.FLOAT_VALUE, "MatMul").toBuilder()
                .setGraph(graph(TensorProto.DataType.FLOAT_VALUE, "MatMul").getGraph().toBuilder()
                        .addNode(NodeProto.newBuilder().setOpType("Cast").addInput("y").addOutput("z")
                                .addAttribute(AttributeProto.newBuilder().setName("to")
                                        .setType(AttributeProto.AttributeType.INT)
                                        .setI(TensorProto.DataType.FLOAT16_VALUE))))
                .build());

        assertThat(PlanKey.identify(fp32)).isEqualTo(new PlanKey.ModelIdentity(PlanKey.sha256Of(fp32), "fp32"));
        assertThat(PlanKey.identify(fp16).precision()).isEqualTo("fp16");
        assertThat(PlanKey.identify(bf16).precision()).isEqualTo("bf16");
        assertThat(PlanKey.identify(qdq).precision()).as("Q/DQ wins over fp16").isEqualTo("int8-qdq");
        assertThat(PlanKey.identify(castToHalf).precision()).isEqualTo("fp16");
        assertThatThrownBy(() -> PlanKey.identify(dir.resolve("missing.onnx")))
                .hasMessageContaining("could not read " + dir.resolve("missing.onnx"));
    }

    private static ModelProto graph(int weightType, String op) {
        return ModelProto.newBuilder().setIrVersion(8).setGraph(GraphProto.newBuilder().setName("g")
                .addInitializer(TensorProto.newBuilder().setName("w").setDataType(weightType).addDims(1)
                        .setRawData(com.google.protobuf.ByteString.copyFrom(new byte[] {0, 0, 0, 0})))
                .addNode(NodeProto.newBuilder().setOpType(op).addInput("x").addInput("w").addOutput("y")))
                .build();
    }

    private static Path write(Path dir, String name, ModelProto model) throws IOException {
        Path file = dir.resolve(name);
        Files.write(file, model.toByteArray());
        return file;
    }

    private static ModelProto modelWithExternalWeights(String location) {
        TensorProto weights = TensorProto.newBuilder().setName("w").setDataType(1).addDims(1)
                .setDataLocation(TensorProto.DataLocation.EXTERNAL)
                .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue(location))
                .addExternalData(StringStringEntryProto.newBuilder().setKey("length").setValue("4"))
                .build();
        return ModelProto.newBuilder().setIrVersion(8)
                .setGraph(GraphProto.newBuilder().setName("g").addInitializer(weights)).build();
    }

    @Test
    void malformedPartsAreRefused() {
        assertThatThrownBy(() -> new PlanKey("ABC", "11.2.1", "8.9", "fp32", true, PROFILE, 1))
                .hasMessage("modelSha256 must be 64 lower-case hex digits, found 'ABC'");
        assertThatThrownBy(() -> new PlanKey(MODEL, "11;2", "8.9", "fp32", true, PROFILE, 1))
                .hasMessageContaining("found '11;2'");
    }

    @Test
    void theProfileCoversTheLimitsAndIsTunedForHalfTheBatchAnd128Tokens() {
        assertThat(OptimizationProfile.forLimits(64, 256)).isEqualTo(new OptimizationProfile(1, 32, 64, 1, 128, 256));
        assertThat(OptimizationProfile.forLimits(64, 32)).isEqualTo(new OptimizationProfile(1, 32, 64, 1, 32, 32));
        assertThat(OptimizationProfile.forLimits(1, 128)).isEqualTo(new OptimizationProfile(1, 1, 1, 1, 128, 128));
        assertThat(OptimizationProfile.forLimits(7, 512).optBatch()).isEqualTo(3);
        assertThat(OptimizationProfile.forLimits(64, 256).accepts(64, 256)).isTrue();
        assertThat(OptimizationProfile.forLimits(64, 256).accepts(65, 1)).isFalse();
        assertThatThrownBy(() -> new OptimizationProfile(1, 80, 64, 1, 128, 256))
                .hasMessage("batch shapes must satisfy 1 <= min <= opt <= max, found 1/80/64");
    }
}
