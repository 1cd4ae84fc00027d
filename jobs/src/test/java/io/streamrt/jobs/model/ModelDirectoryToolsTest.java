package io.streamrt.jobs.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamrt.jobs.testing.Cli;
import io.streamrt.jobs.testing.OwnModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The model tools on Hugging Face export directories: {@code inspect} says what enrich would do with the model
 * (task, pooling, labels, inputs); {@code quantize} and {@code sparsify} write a directory in the same layout with
 * the config files copied, so the result keeps its task, pooling and labels.
 */
class ModelDirectoryToolsTest {

    @TempDir
    Path dir;

    private static List<String> texts(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(v -> values.add(v.isObject() ? v.get("name").asText() : v.asText()));
        return values;
    }

    @Test
    void inspectReportsTheTaskPoolingAndInputsOfAnExportDirectory() throws Exception {
        Path bge = OwnModels.bge(dir.resolve("bge"));

        JsonNode task = ModelInspectCommandTest.inspectJson(bge.toString()).get("task");

        assertThat(task.get("task").asText()).isEqualTo("embedding");
        assertThat(task.get("pooling").asText()).isEqualTo("cls");
        assertThat(task.get("normalize").asBoolean()).isTrue();
        assertThat(task.get("output").asText()).isEqualTo("last_hidden_state");
        assertThat(texts(task.get("inputs"))).containsExactly("input_ids", "attention_mask", "token_type_ids");
        assertThat(texts(task.get("config_files"))).contains("config.json", "modules.json", "1_Pooling/config.json");

        Cli.Run text = ModelCli.run("model", "inspect", bge.toString());
        assertThat(text.exit()).as(text.toString()).isZero();
        assertThat(text.out()).containsPattern("Task +embedding \\(.*pooling cls").contains("Fed inputs");
    }

    @Test
    void inspectSaysWhyAModelCannotBeServed() throws Exception {
        Path gpt = OwnModels.bge(dir.resolve("gpt"));
        Files.writeString(gpt.resolve("config.json"), "{\"architectures\": [\"GPT2LMHeadModel\"]}");

        JsonNode task = ModelInspectCommandTest.inspectJson(gpt.toString()).get("task");

        assertThat(task.get("task").isNull()).isTrue();
        assertThat(task.get("error").asText()).contains("is a GPT2LMHeadModel, a decoder-only language model");
    }

    @Test
    void quantizeAndSparsifyWriteADirectoryThatKeepsTheHeadAndItsLabels() throws Exception {
        List<String> labels = List.of("sports", "politics", "technology");
        float[][] weights = new float[384][3];
        for (int d = 0; d < 384; d++) {
            for (int k = 0; k < 3; k++) {
                weights[d][k] = (float) Math.sin(d * (k + 1));
            }
        }
        Path classifier = OwnModels.classifier(dir.resolve("classifier"), labels, weights, new float[3]);
        Path calibration = Files.write(dir.resolve("calibration.txt"), ModelQuantizeEvaluateTest.CALIBRATION);
        Path int8 = dir.resolve("classifier-int8");

        Cli.Run quantize = ModelCli.run("model", "quantize", classifier.toString(), int8.toString(),
                "--calibration", calibration.toString());

        assertThat(quantize.exit()).as(quantize.toString()).isZero();
        assertThat(quantize.out()).contains("Tokenizer: " + classifier.resolve("tokenizer.json"))
                .contains("Wrote " + int8.resolve("model.onnx"))
                .contains("Copied 2 files beside it: config.json, tokenizer.json");
        JsonNode quantized = ModelInspectCommandTest.inspectJson(int8.toString());
        assertThat(quantized.get("quantization").asText()).isEqualTo("qdq");
        assertThat(quantized.get("task").get("task").asText()).isEqualTo("classification");
        assertThat(texts(quantized.get("task").get("labels"))).isEqualTo(labels);
        assertThat(texts(quantized.get("outputs"))).containsExactly("logits");

        Path sparse = dir.resolve("classifier-sparse");
        Cli.Run sparsify = ModelCli.run("model", "sparsify", classifier.toString(), sparse.toString());
        assertThat(sparsify.exit()).as(sparsify.toString()).isZero();
        JsonNode pruned = ModelInspectCommandTest.inspectJson(sparse.toString());
        assertThat(pruned.get("task").get("task").asText()).isEqualTo("classification");
        assertThat(texts(pruned.get("task").get("labels"))).isEqualTo(labels);

        Cli.Run inside = ModelCli.run("model", "sparsify", classifier.toString(),
                classifier.resolve("sparse").toString());
        assertThat(inside.exit()).isEqualTo(1);
        assertThat(inside.err()).contains("is inside the model directory");
    }

    @Test
    void theHeadOfATaggerIsLeftAsTrainedByQuantizeAndSparsify() throws Exception {
        // 64 tags: a head large enough that both tools would otherwise change it ([384, 64]).
        List<String> labels = new ArrayList<>(List.of("O"));
        for (int t = 0; labels.size() < 64; t++) {
            labels.add("B-T" + t);
            labels.add("I-T" + t);
        }
        float[][] weights = new float[384][64];
        for (int d = 0; d < 384; d++) {
            for (int k = 0; k < 64; k++) {
                weights[d][k] = (float) Math.cos(d * 0.37 + k);
            }
        }
        Path tagger = OwnModels.tokenClassifier(dir.resolve("tagger"), labels.subList(0, 64), weights, new float[64]);
        Path calibration = Files.write(dir.resolve("calibration.txt"), ModelQuantizeEvaluateTest.CALIBRATION);

        Cli.Run quantize = ModelCli.run("model", "quantize", tagger.toString(), dir.resolve("int8").toString(),
                "--calibration", calibration.toString());
        assertThat(quantize.exit()).as(quantize.toString()).isZero();
        assertThat(quantize.out()).contains("head_weight: the model's token-classification head (feeds logits): "
                + "kept as trained");
        assertThat(weight(dir.resolve("int8"), "head_weight").get("dtype").asText()).isEqualTo("float32");

        Cli.Run sparsify = ModelCli.run("model", "sparsify", tagger.toString(), dir.resolve("sparse").toString());
        assertThat(sparsify.exit()).as(sparsify.toString()).isZero();
        assertThat(sparsify.out()).contains("head_weight: the model's token-classification head");
        assertThat(weight(dir.resolve("sparse"), "head_weight").get("sparsity_2_4").asDouble()).isLessThan(0.5);
        assertThat(ModelInspectCommandTest.inspectJson(dir.resolve("sparse").toString()).get("task").get("labels"))
                .hasSize(64);
    }

    private static JsonNode weight(Path model, String name) throws Exception {
        for (JsonNode weight : ModelInspectCommandTest.inspectJson(model.toString()).get("weights")) {
            if (weight.get("name").asText().equals(name)) {
                return weight;
            }
        }
        throw new AssertionError("no weight " + name + " in " + model);
    }
}
