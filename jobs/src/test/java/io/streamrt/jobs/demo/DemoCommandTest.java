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
}
