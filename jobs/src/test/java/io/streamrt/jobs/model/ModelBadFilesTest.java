package io.streamrt.jobs.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamrt.jobs.testing.Cli;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every model tool refuses a model file it cannot use with exit code 1 and a message naming the file and what is
 * wrong with it, without a stack trace: a missing file, a cut copy (an interrupted download), and a text file
 * named {@code .onnx}. Missing text files are named the same way.
 */
class ModelBadFilesTest {

    @TempDir
    Path dir;

    private Path texts;

    @BeforeEach
    void writeTexts() throws IOException {
        texts = Files.write(dir.resolve("texts.txt"), ModelQuantizeEvaluateTest.EVALUATION);
    }

    static Stream<Arguments> toolsAndBadFiles() {
        List<Arguments> cases = new ArrayList<>();
        for (String tool : List.of("inspect", "sparsify", "quantize", "evaluate A", "evaluate B")) {
            cases.add(Arguments.of(tool, "missing", "does not exist"));
            cases.add(Arguments.of(tool, "truncated", "is truncated"));
            cases.add(Arguments.of(tool, "text", "is not a valid ONNX model"));
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} refuses a {1} model file")
    @MethodSource("toolsAndBadFiles")
    void aBadModelFileIsRefusedByName(String tool, String kind, String why) throws IOException {
        Path bad = badModel(kind);
        String fp32 = ModelCli.fp32().toString();
        String out = dir.resolve("out.onnx").toString();
        String[] args = switch (tool) {
            case "inspect" -> new String[] {"model", "inspect", bad.toString()};
            case "sparsify" -> new String[] {"model", "sparsify", bad.toString(), out};
            case "quantize" -> new String[] {"model", "quantize", bad.toString(), out, "--calibration",
                    texts.toString()};
            case "evaluate A" -> new String[] {"model", "evaluate", bad.toString(), fp32, "--texts", texts.toString()};
            case "evaluate B" -> new String[] {"model", "evaluate", fp32, bad.toString(), "--texts", texts.toString()};
            default -> throw new IllegalArgumentException(tool);
        };

        Cli.Run run = ModelCli.run(args);

        assertThat(run.exit()).as(run.toString()).isEqualTo(1);
        assertThat(run.err()).as(run.toString())
                .startsWith("streamrt model " + tool.split(" ")[0] + ": ")
                .contains(bad.toString()).contains(why)
                .doesNotContain("\tat ");
        assertThat(run.out()).isEmpty();
        assertThat(dir.resolve("out.onnx")).doesNotExist();
    }

    private Path badModel(String kind) throws IOException {
        switch (kind) {
            case "missing":
                return dir.resolve("missing.onnx");
            case "truncated":
                // The first 256 KiB of the real model: what an interrupted download leaves.
                byte[] head = new byte[256 * 1024];
                try (InputStream in = Files.newInputStream(ModelCli.fp32())) {
                    assertThat(in.readNBytes(head, 0, head.length)).isEqualTo(head.length);
                }
                return Files.write(dir.resolve("truncated.onnx"), head);
            case "text":
                return Files.writeString(dir.resolve("x.onnx"), "This is a note, not a model.\nSecond line.\n");
            default:
                throw new IllegalArgumentException(kind);
        }
    }

    @Test
    void aMissingTextsFileIsRefusedByName() {
        Path missing = dir.resolve("no-texts.txt");

        Cli.Run evaluate = ModelCli.run("model", "evaluate", ModelCli.fp32().toString(),
                ModelCli.fp32().toString(), "--texts", missing.toString());
        assertThat(evaluate.exit()).isEqualTo(1);
        assertThat(evaluate.err()).contains("text file " + missing + " (--texts) does not exist")
                .contains("one text per line").doesNotContain("\tat ");

        Cli.Run quantize = ModelCli.run("model", "quantize", ModelCli.fp32().toString(),
                dir.resolve("out.onnx").toString(), "--calibration", missing.toString());
        assertThat(quantize.exit()).isEqualTo(1);
        assertThat(quantize.err()).contains("text file " + missing + " (--calibration) does not exist");
    }

    @Test
    void aMissingTokenizerIsRefusedByName() {
        Path missing = dir.resolve("tokenizer.json");

        Cli.Run run = ModelCli.run("model", "evaluate", ModelCli.fp32().toString(), ModelCli.fp32().toString(),
                "--texts", texts.toString(), "--tokenizer", missing.toString());

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).contains("tokenizer file " + missing + " (--tokenizer) does not exist");
    }

    @Test
    void evaluateNeedsTwoTexts() throws IOException {
        Path one = Files.write(dir.resolve("one.txt"), List.of("Only one text."));

        Cli.Run run = ModelCli.run("model", "evaluate", ModelCli.fp32().toString(), ModelCli.fp32().toString(),
                "--texts", one.toString());

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).contains(one.toString()).contains("holds 1 text").contains("expected at least 2");
    }
}
