package io.streamrt.jobs.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamrt.jobs.testing.Cli;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code model inspect} on the real builtin MiniLM models: the JSON scripts read, and the text people read. */
class ModelInspectCommandTest {

    static JsonNode inspectJson(String model) throws Exception {
        Cli.Run run = ModelCli.run("model", "inspect", model, "--json");
        assertThat(run.exit()).as(run.toString()).isZero();
        return new ObjectMapper().readTree(run.out());
    }

    @Test
    void fp32JsonHas36FloatMatMulWeightsAndNoQuantization() throws Exception {
        JsonNode report = inspectJson(ModelCli.fp32().toString());

        assertThat(report.get("opset").asInt()).isEqualTo(11);
        assertThat(report.get("quantization").asText()).isEqualTo("none");
        assertThat(report.get("parameters").asLong()).isBetween(22_000_000L, 23_000_000L);
        // float32 weights, plus a few int64 constants.
        long parameters = report.get("parameters").asLong();
        assertThat(report.get("parameter_bytes").asLong()).isBetween(4 * parameters, 4 * parameters + 64 * 1024);
        List<String> inputs = new ArrayList<>();
        report.get("inputs").forEach(input -> inputs.add(input.get("name").asText()));
        assertThat(inputs).containsExactlyInAnyOrder("input_ids", "attention_mask", "token_type_ids");
        assertThat(report.get("op_counts").get("MatMul").asInt()).isGreaterThanOrEqualTo(36);

        JsonNode weights = report.get("weights");
        assertThat(weights).hasSize(36);
        List<List<Long>> shapes = new ArrayList<>();
        for (JsonNode weight : weights) {
            assertThat(weight.get("name").asText()).isNotBlank();
            assertThat(weight.get("op").asText()).isEqualTo("MatMul");
            assertThat(weight.get("dtype").asText()).isEqualTo("float32");
            // Trained dense weights: some groups of 4 have at most 2 non-zeros by chance, far from all.
            assertThat(weight.get("sparsity_2_4").asDouble()).isBetween(0.0, 0.5);
            List<Long> shape = new ArrayList<>();
            weight.get("shape").forEach(d -> shape.add(d.asLong()));
            shapes.add(shape);
        }
        // Per layer: Q, K, V and attention output [384, 384], FFN up [384, 1536] and down [1536, 384].
        assertThat(shapes).filteredOn(s -> s.equals(List.of(384L, 384L))).hasSize(24);
        assertThat(shapes).filteredOn(s -> s.equals(List.of(384L, 1536L))).hasSize(6);
        assertThat(shapes).filteredOn(s -> s.equals(List.of(1536L, 384L))).hasSize(6);
    }

    @Test
    void theBuiltinInt8ModelIsReportedAsDynamicallyQuantized() throws Exception {
        JsonNode report = inspectJson(ModelCli.int8().toString());

        assertThat(report.get("quantization").asText()).isEqualTo("dynamic");
        assertThat(report.get("weights")).isNotEmpty()
                .allSatisfy(w -> assertThat(w.get("dtype").asText()).isIn("int8", "uint8"));
    }

    @Test
    void textReportNamesEachSectionAndOneLinePerWeight() {
        Cli.Run run = ModelCli.run("model", "inspect", ModelCli.fp32().toString());

        assertThat(run.exit()).as(run.toString()).isZero();
        assertThat(run.out()).contains("IR version", "Opset         11", "Producer", "Inputs        ",
                "input_ids  int64 [", "Outputs", "float32", "Operators", "MatMul ", "Parameters", "MiB)",
                "Quantization  none", "36 MatMul/Gemm weights");
        List<String> weightLines = run.out().lines().filter(l -> l.contains("2:4 ") && l.contains("MatMul  [")).toList();
        assertThat(weightLines).hasSize(36)
                .anySatisfy(l -> assertThat(l).contains("[384, 1536]").contains("float32").endsWith("%"));
    }

    @Test
    void helpDocumentsTheJsonFlag() {
        Cli.Run run = ModelCli.run("model", "inspect", "--help");

        assertThat(run.exit()).isZero();
        assertThat(run.out()).contains("MODEL", "--json", "sparsity_2_4");
    }

    @Test
    void modelWithoutASubcommandIsAUsageError() {
        Cli.Run run = ModelCli.run("model");

        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("a subcommand is required: inspect, sparsify, quantize, convert, evaluate or build-engine");
    }
}
