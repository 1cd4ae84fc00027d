package io.streamrt.jobs.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamrt.jobs.StreamRtCli;
import io.streamrt.jobs.testing.Cli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The README's first command, scaled down: the demo runs end to end and accounts for every record. */
class DemoCommandTest {

    @Test
    void demoEnrichesEveryTextAndDeadLettersEveryMalformedRecord() {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        int exit;
        try {
            exit = StreamRtCli.execute("demo", "--records", "300", "--malformed-per-kind", "1");
        } finally {
            System.setOut(stdout);
        }
        String out = captured.toString(StandardCharsets.UTF_8);

        assertThat(exit).as(out).isZero();
        Matcher summary = Pattern.compile("Summary: in ([\\d,]+) \\| out ([\\d,]+) \\| dead-letter ([\\d,]+)").matcher(out);
        assertThat(summary.find()).as(out).isTrue();
        int kinds = MalformedValue.Kind.values().length;
        assertThat(summary.group(1)).isEqualTo(String.format("%,d", 300 + kinds));
        assertThat(summary.group(2)).isEqualTo("300");
        assertThat(summary.group(3)).isEqualTo(Integer.toString(kinds));
        assertThat(out).contains("Enriched records (first 6)").contains("mean batch");
    }

    @Test
    void theSqlDemoEnrichesEveryTextAndDeadLettersEveryTextlessRecord() {
        Cli.Run run = Cli.run("demo", "--sql", "--records", "300", "--malformed-per-kind", "1");

        assertThat(run.exit()).as(run.toString()).isZero();
        Matcher summary = Pattern.compile("Summary: in ([\\d,]+) \\| out ([\\d,]+) \\| dead-letter ([\\d,]+)")
                .matcher(run.out());
        assertThat(summary.find()).as(run.toString()).isTrue();
        assertThat(java.util.List.of(summary.group(1), summary.group(2), summary.group(3)))
                .containsExactly("304", "300", "4");
        assertThat(run.out()).contains("Dead-letter reasons: {text-empty=4}").contains("Running sql/demo.sql");
    }

    @Test
    void theDocumentsDemoEmitsEveryWindowOfEveryDocumentAsARecordOfItsOwn() {
        Cli.Run run = Cli.run("demo", "--documents", "--records", "12", "--malformed-per-kind", "0");

        assertThat(run.exit()).as(run.toString()).isZero();
        Matcher windows = Pattern.compile("Windows: ([\\d,]+) documents enriched as ([\\d,]+) window records")
                .matcher(run.out());
        assertThat(windows.find()).as(run.toString()).isTrue();
        assertThat(windows.group(1)).isEqualTo("12");
        int total = Integer.parseInt(windows.group(2).replace(",", ""));
        int expected = 0;
        try (io.streamrt.serde.TextChunker chunker = io.streamrt.serde.TextChunker.open(io.streamrt.engine.ModelFiles
                .resolve(io.streamrt.engine.ModelFiles.BUILTIN_MINILM_INT8, null).tokenizer(), 128, 32, 64)) {
            for (DemoTexts.DemoText document : DemoTexts.documents(12, 42)) {
                expected += chunker.windows("", document.text()).windows().size();
            }
        }
        assertThat(total).as("every window of every document, once").isEqualTo(expected).isGreaterThan(12 * 3);
        assertThat(run.out()).containsPattern("doc-0000\\d\\d#\\d+");
    }
}
