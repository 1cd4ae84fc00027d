package io.streamrt.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

class OutputEncoderTest {

    private final ObjectMapper mapper = new ObjectMapper();
    private final OutputEncoder encoder = new OutputEncoder();

    private static InferenceOutput output(String label) {
        return new InferenceOutput("all-minilm-l6-v2-int8", "onnxruntime", new float[] {0.6f, -0.8f}, label, 0.91f,
                37, 3.2, 11.8);
    }

    @Test
    void keepsEveryInputFieldByteForByteAndAddsInference() throws Exception {
        String input = "{ \"id\": \"a-1\", \"text\": \"caf\\u00e9 \u00fcber\", \"n\": 1.50E+2, \"nested\": {\"x\": [1, 2]} }\n";

        byte[] out = encoder.encode(input.getBytes(StandardCharsets.UTF_8), output("sports"));

        String json = new String(out, StandardCharsets.UTF_8);
        assertThat(json).startsWith(input.substring(0, input.lastIndexOf('}')).stripTrailing());
        JsonNode node = mapper.readTree(out);
        assertThat(node.get("n").asText()).isEqualTo("150.0");
        assertThat(List.of(node.fieldNames().next(), node.size())).containsExactly("id", 5);
        JsonNode inference = node.get("inference");
        assertThat(inference.get("model").asText()).isEqualTo("all-minilm-l6-v2-int8");
        assertThat(inference.get("engine").asText()).isEqualTo("onnxruntime");
        assertThat(inference.get("embedding").size()).isEqualTo(2);
        assertThat(inference.get("embedding").get(1).floatValue()).isEqualTo(-0.8f);
        assertThat(inference.get("label").asText()).isEqualTo("sports");
        assertThat(inference.get("score").floatValue()).isEqualTo(0.91f);
        assertThat(inference.get("batch_size").asInt()).isEqualTo(37);
        assertThat(inference.get("queue_ms").asDouble()).isEqualTo(3.2);
        assertThat(inference.get("infer_ms").asDouble()).isEqualTo(11.8);
    }

    @Test
    void labelAndScoreOnlyWhenLabelsAreConfigured() throws Exception {
        JsonNode inference = mapper.readTree(encoder.encode("{\"text\":\"x\"}".getBytes(StandardCharsets.UTF_8),
                output(null))).get("inference");
        assertThat(inference.has("label")).isFalse();
        assertThat(inference.has("score")).isFalse();
    }

    @Test
    void anExistingInferenceFieldIsReplacedNotDuplicated() throws Exception {
        byte[] input = "{\"text\":\"x\",\"inference\":\"old\",\"z\":true}".getBytes(StandardCharsets.UTF_8);

        String json = new String(encoder.encode(input, output(null)), StandardCharsets.UTF_8);

        JsonNode node = mapper.readTree(json);
        assertThat(node.get("inference").isObject()).isTrue();
        assertThat(json.split("\"inference\"", -1)).hasSize(2);
        assertThat(node.get("z").asBoolean()).isTrue();
    }

    @Test
    void outputFieldsKeepOnlyTheChosenOnesInTheirUsualOrder() throws Exception {
        OutputEncoder chosen = new OutputEncoder(OutputFields.parse("score, label", EmbeddingEncoding.JSON));

        String json = new String(chosen.encode("{\"text\":\"x\"}".getBytes(StandardCharsets.UTF_8),
                output("sports")), StandardCharsets.UTF_8);

        assertThat(json).isEqualTo("{\"text\":\"x\",\"inference\":{\"label\":\"sports\",\"score\":0.91}}");
    }

    @Test
    void unknownRepeatedOrEmptyOutputFieldsAreRefusedWithTheAcceptedNames() {
        assertThatThrownBy(() -> OutputFields.parse("label,embeddings", EmbeddingEncoding.JSON))
                .hasMessageContaining("unknown output field 'embeddings'").hasMessageContaining("embedding, label");
        assertThatThrownBy(() -> OutputFields.parse("label,label", EmbeddingEncoding.JSON))
                .hasMessageContaining("'label' is named twice");
        assertThatThrownBy(() -> OutputFields.parse("label,", EmbeddingEncoding.JSON))
                .hasMessageContaining("empty name");
        assertThatThrownBy(() -> EmbeddingEncoding.parse("base64"))
                .hasMessageContaining("json, base64-f32, base64-f16");
    }

    @Test
    void base64F32IsTheExactLittleEndianFloats() throws Exception {
        float[] vector = {0.6f, -0.8f, 1e-30f, Float.MAX_VALUE, 0.123456789f};
        OutputEncoder f32 = new OutputEncoder(OutputFields.parse(null, EmbeddingEncoding.BASE64_F32));

        JsonNode inference = mapper.readTree(f32.encode("{}".getBytes(StandardCharsets.UTF_8),
                new InferenceOutput("m", "e", vector, null, 0, 1, 0, 0))).get("inference");

        ByteBuffer bytes = ByteBuffer.wrap(Base64.getDecoder().decode(inference.get("embedding").asText()))
                .order(ByteOrder.LITTLE_ENDIAN);
        float[] decoded = new float[bytes.remaining() / 4];
        bytes.asFloatBuffer().get(decoded);
        assertThat(decoded).containsExactly(vector);
    }

    @Test
    void base64F16RoundsToTheNearestHalfTiesToEven() throws Exception {
        // Every finite half reads back as itself.
        for (int h = 0; h < 0x10000; h++) {
            float value = halfToFloat((short) h);
            if (!Float.isNaN(value)) {
                assertThat(EmbeddingEncoding.toHalf(value) & 0xffff).as("half 0x%04x", h).isEqualTo(h);
            }
        }
        assertThat(EmbeddingEncoding.toHalf(1f)).isEqualTo((short) 0x3c00);
        assertThat(EmbeddingEncoding.toHalf(65504f)).isEqualTo((short) 0x7bff);
        assertThat(EmbeddingEncoding.toHalf(65520f)).as("rounds up to infinity").isEqualTo((short) 0x7c00);
        assertThat(EmbeddingEncoding.toHalf(-1e-9f)).as("underflow keeps the sign").isEqualTo((short) 0x8000);
        assertThat(Float.isNaN(halfToFloat(EmbeddingEncoding.toHalf(Float.NaN)))).isTrue();
        // Half-way between 1 and the next half (1 + 2^-10): ties go to the even one, 1.
        assertThat(EmbeddingEncoding.toHalf(1f + 0x1p-11f)).isEqualTo((short) 0x3c00);
        assertThat(EmbeddingEncoding.toHalf(1f + 3 * 0x1p-11f)).isEqualTo((short) 0x3c02);
        assertThat(EmbeddingEncoding.toHalf(Math.nextUp(1f + 0x1p-11f))).isEqualTo((short) 0x3c01);
        // Half-way between the two smallest subnormals (2^-24 and 2^-23): to the even one, 2^-23.
        assertThat(EmbeddingEncoding.toHalf(3 * 0x1p-25f)).isEqualTo((short) 0x0002);

        float[] vector = {0.6f, -0.8f, 0.0001f};
        OutputEncoder f16 = new OutputEncoder(OutputFields.parse("embedding", EmbeddingEncoding.BASE64_F16));
        JsonNode inference = mapper.readTree(f16.encode("{}".getBytes(StandardCharsets.UTF_8),
                new InferenceOutput("m", "e", vector, null, 0, 1, 0, 0))).get("inference");
        ByteBuffer bytes = ByteBuffer.wrap(Base64.getDecoder().decode(inference.get("embedding").asText()))
                .order(ByteOrder.LITTLE_ENDIAN);
        assertThat(bytes.remaining()).isEqualTo(6);
        for (float v : vector) {
            assertThat(halfToFloat(bytes.getShort())).isCloseTo(v, within(Math.abs(v) / 1024));
        }
        assertThat(inference.size()).isEqualTo(1);
    }

    /** An independent binary16 decoder: sign, 5 exponent bits (bias 15), 10 fraction bits. */
    private static float halfToFloat(short half) {
        int sign = (half >> 15) & 1;
        int exponent = (half >> 10) & 0x1f;
        int fraction = half & 0x3ff;
        double magnitude;
        if (exponent == 0x1f) {
            magnitude = fraction == 0 ? Double.POSITIVE_INFINITY : Double.NaN;
        } else if (exponent == 0) {
            magnitude = fraction * Math.pow(2, -24);
        } else {
            magnitude = (1 + fraction / 1024.0) * Math.pow(2, exponent - 15);
        }
        return (float) (sign == 1 ? -magnitude : magnitude);
    }

    @Test
    void aChunkedRecordSaysItWasCutAndGivesItsWindows() throws Exception {
        InferenceOutput document = output(null);
        document.setTruncated(true);
        document.setChunks(new InferenceOutput.Chunk[] {new InferenceOutput.Chunk(0, 0, 40, new float[] {0.5f}, null,
                0f), new InferenceOutput.Chunk(1, 31, 77, new float[] {0.25f}, null, 0f)});
        JsonNode inference = mapper.readTree(encoder.encode("{\"text\":\"x\"}".getBytes(StandardCharsets.UTF_8),
                document)).get("inference");

        assertThat(inference.get("truncated").asBoolean()).isTrue();
        assertThat(inference.get("chunks").toString()).isEqualTo("[{\"index\":0,\"start\":0,\"end\":40,"
                + "\"embedding\":[0.5]},{\"index\":1,\"start\":31,\"end\":77,\"embedding\":[0.25]}]");

        InferenceOutput window = output(null);
        InferenceOutput.Chunk chunk = new InferenceOutput.Chunk(2, 188, 300, null, null, 0f);
        chunk.setCount(6);
        window.setChunk(chunk);
        JsonNode one = mapper.readTree(encoder.encode("{\"text\":\"x\"}".getBytes(StandardCharsets.UTF_8), window))
                .get("inference");
        assertThat(one.get("chunk").toString()).isEqualTo("{\"index\":2,\"count\":6,\"start\":188,\"end\":300}");
        assertThat(one.has("truncated")).isFalse();
    }
}
