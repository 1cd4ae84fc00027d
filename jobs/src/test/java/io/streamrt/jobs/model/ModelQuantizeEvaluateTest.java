package io.streamrt.jobs.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamrt.jobs.testing.Cli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code model quantize} then {@code model evaluate} on the real FP32 MiniLM: the INT8 Q/DQ copy keeps the FP32
 * sentence embeddings (mean cosine at least 0.98) on texts it was not calibrated on.
 */
class ModelQuantizeEvaluateTest {

    static final List<String> CALIBRATION = List.of(
            "The central bank raised interest rates by a quarter point on Tuesday.",
            "Shares of the chip maker fell sharply after the earnings call.",
            "The striker scored twice in the second half to win the derby.",
            "Parliament voted to delay the budget until after the summer recess.",
            "A new open-source database promises faster analytical queries.",
            "Heavy rain flooded several streets in the old town overnight.",
            "The orchestra opened its season with a Mahler symphony.",
            "Researchers trained a small language model on a single GPU.",
            "",
            "Oil prices climbed as supply concerns grew in the Middle East.",
            "How do I reset my password if I no longer have access to my email?",
            "Our streaming pipeline enriches Kafka records with embeddings.",
            "The museum reopened after a two-year renovation.",
            "Add two cups of flour, a pinch of salt and stir until smooth.",
            "The startup raised forty million dollars in a series B round.",
            "Snow closed the mountain pass for the third day running.",
            "The court ruled that the merger may go ahead with conditions.",
            "Engineers patched the vulnerability within hours of the report.",
            "   ",
            "lol that game last night was unreal!!!",
            "Voters in the northern region elected a new governor.",
            "The package arrived damaged and customer service never replied.",
            "Cloud spending slowed as companies optimised their bills.",
            "Photosynthesis converts light energy into chemical energy stored in glucose.",
            "Fans queued overnight for tickets to the reunion concert.",
            "Error 503: the upstream service is temporarily unavailable, retry later.",
            "A faulty sensor grounded the fleet of regional jets.",
            "The marathon record fell by eleven seconds in Berlin.",
            "Inflation eased for the fourth month in a row.",
            "Quantized transformers run faster on commodity CPUs.",
            "The hotel room was clean but the breakfast was disappointing.",
            "Der Zug nach Berlin hat heute zwanzig Minuten Verspätung.");

    /** Ten pairs of paraphrases: each text's nearest other text is its partner, under any good encoder. */
    static final List<String> EVALUATION = List.of(
            "The goalkeeper saved three penalties in the shoot-out.",
            "In the penalty shoot-out the keeper stopped three spot kicks.",
            "Wildfires forced thousands of people to leave their homes.",
            "Thousands were evacuated as forest fires spread towards their houses.",
            "The company recalled two million faulty phone chargers.",
            "Two million defective charging adapters are being recalled by the manufacturer.",
            "Preheat the oven to 200 degrees and bake the bread for twenty minutes.",
            "Bake the loaf for twenty minutes in an oven heated to 200 degrees.",
            "Can I change my delivery address after the order has shipped?",
            "Is it possible to update the shipping address once my parcel is on its way?",
            "Hospitals reported a sharp rise in flu cases this week.",
            "Influenza admissions to hospitals jumped over the past seven days.",
            "Stock markets closed higher on hopes of a trade deal.",
            "Share prices ended the day up as investors bet on a trade agreement.",
            "My laptop fan gets very loud whenever I open a browser.",
            "The cooling fan on my notebook roars as soon as I start a web browser.",
            "Kafka consumers commit their offsets after each processed batch.",
            "After processing every batch, the Kafka consumer commits its offsets.",
            "The novel follows three generations of a fishing family.",
            "The book tells the story of a family of fishermen across three generations.");

    @TempDir
    Path dir;

    @Test
    void quantizedMiniLmKeepsFp32EmbeddingsAndReportsItsSpeed() throws Exception {
        Path calibration = Files.write(dir.resolve("calibration.txt"), CALIBRATION);
        Path texts = Files.write(dir.resolve("texts.txt"), EVALUATION);
        Path quantized = dir.resolve("minilm-int8-qdq.onnx");
        String fp32 = ModelCli.fp32().toString();

        Cli.Run quantize = ModelCli.run("model", "quantize", fp32, quantized.toString(),
                "--calibration", calibration.toString());

        assertThat(quantize.exit()).as(quantize.toString()).isZero();
        // No tokenizer.json beside the extracted builtin model: the builtin tokenizer, and the output says so.
        assertThat(quantize.out()).contains("Tokenizer: ").contains("the builtin all-MiniLM-L6-v2 tokenizer")
                .contains("Calibrated 24 activations on 30 texts (2 batches, at most 128 tokens), ranges by "
                        + "percentile 99.99")
                .contains("Quantized 36 weights to int8 (per output channel) and 24 activations (per tensor); "
                        + "opset 11 -> 13")
                .contains("Kept in float: 0 tensors").contains("Wrote " + quantized);
        assertThat(ModelInspectCommandTest.inspectJson(quantized.toString()).get("quantization").asText())
                .isEqualTo("qdq");

        Cli.Run evaluate = ModelCli.run("model", "evaluate", fp32, quantized.toString(), "--texts",
                texts.toString(), "--json");

        assertThat(evaluate.exit()).as(evaluate.toString()).isZero();
        JsonNode result = new ObjectMapper().readTree(evaluate.out());
        assertThat(result.get("texts").asInt()).isEqualTo(20);
        assertThat(result.get("mean_cosine").asDouble()).isBetween(0.98, 1.0 + 1e-6);
        assertThat(result.get("min_cosine").asDouble()).isGreaterThan(0.9)
                .isLessThanOrEqualTo(result.get("mean_cosine").asDouble());
        assertThat(result.get("min_cosine_line").asInt()).isBetween(1, 20);
        // Paraphrase partners stay each other's nearest neighbours after quantization.
        assertThat(result.get("top1_agreement").asDouble()).isGreaterThanOrEqualTo(0.9);
        assertThat(result.get("a").get("model").asText()).isEqualTo(fp32);
        assertThat(result.get("a").get("texts_per_s").asDouble()).isPositive();
        assertThat(result.get("b").get("texts_per_s").asDouble()).isPositive();

        // The text form, on the engines the JSON run left warm.
        Cli.Run text = ModelCli.run("model", "evaluate", fp32, quantized.toString(), "--texts",
                texts.toString(), "--batch-size", "8");
        assertThat(text.exit()).as(text.toString()).isZero();
        assertThat(text.out()).containsPattern("Mean cosine A vs B: +0\\.9[89]\\d\\d|Mean cosine A vs B: +1\\.0000")
                .containsPattern("Min cosine A vs B: +0\\.\\d{4} \\(line \\d+ of texts\\.txt\\)")
                .containsPattern("Top-1 neighbour agreement: +\\d\\.\\d{4} \\(\\d+ of 20 texts")
                .containsPattern("Speed A: +\\d+\\.\\d texts/s \\(\\d+\\.\\d\\d s\\)")
                .containsPattern("Speed B: +\\d+\\.\\d texts/s \\(\\d+\\.\\d\\d s; \\d+\\.\\d\\dx A\\)")
                // 20 texts take well under a second: the output says the figure is rough.
                .contains("Note: a run under 1 s gives a rough speed");
    }

    @Test
    void anEmptyCalibrationFileIsRefusedByName() throws Exception {
        Path empty = Files.write(dir.resolve("empty.txt"), List.of("", "  "));

        Cli.Run run = ModelCli.run("model", "quantize", ModelCli.fp32().toString(),
                dir.resolve("out.onnx").toString(), "--calibration", empty.toString());

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).contains(empty.toString()).contains("(--calibration) holds 0 texts")
                .contains("put one text per line");
        assertThat(dir.resolve("out.onnx")).doesNotExist();
    }

    @Test
    void anAlreadyQuantizedModelIsRefusedBeforeCalibrating() throws Exception {
        Path calibration = Files.write(dir.resolve("calibration.txt"), CALIBRATION);

        Cli.Run run = ModelCli.run("model", "quantize", ModelCli.int8().toString(),
                dir.resolve("out.onnx").toString(), "--calibration", calibration.toString());

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).contains("is already quantized (dynamic): quantize the float (FP32) model instead");
    }

    @Test
    void badCalibrationSettingsAreUsageErrors() {
        Cli.Run method = ModelCli.run("model", "quantize", "in.onnx", "out.onnx", "--calibration", "c.txt",
                "--method", "entropy");
        assertThat(method.exit()).isEqualTo(2);
        assertThat(method.err()).contains("'--method': expected one of [percentile, max] but was 'entropy'");

        Cli.Run percentile = ModelCli.run("model", "quantize", "in.onnx", "out.onnx", "--calibration", "c.txt",
                "--percentile", "0");
        assertThat(percentile.exit()).isEqualTo(2);
        assertThat(percentile.err()).contains("--percentile must be in (0, 100], found 0.0");

        Cli.Run missing = ModelCli.run("model", "quantize", "in.onnx", "out.onnx");
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).contains("Missing required option").contains("--calibration");
    }

    @Test
    void helpDocumentsEveryOption() {
        Cli.Run quantize = ModelCli.run("model", "quantize", "--help");
        assertThat(quantize.exit()).isZero();
        assertThat(quantize.out()).contains("IN", "OUT", "--calibration", "--method", "--percentile",
                "--max-sequence-length", "--tokenizer");

        Cli.Run evaluate = ModelCli.run("model", "evaluate", "--help");
        assertThat(evaluate.exit()).isZero();
        assertThat(evaluate.out()).contains("--texts", "--tokenizer", "--max-sequence-length", "--batch-size",
                "--json");

        Cli.Run sparsify = ModelCli.run("model", "sparsify", "--help");
        assertThat(sparsify.exit()).isZero();
        assertThat(sparsify.out()).contains("IN", "OUT", "--min-dimension");
    }
}
