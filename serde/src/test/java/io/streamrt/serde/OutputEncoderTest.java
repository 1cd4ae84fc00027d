package io.streamrt.serde;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
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
}
