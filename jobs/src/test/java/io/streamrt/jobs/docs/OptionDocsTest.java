package io.streamrt.jobs.docs;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamrt.jobs.OptionFlags;
import io.streamrt.operators.InferenceOptions;
import io.streamrt.operators.OptionDefinition;
import io.streamrt.operators.OptionDefinition.Surface;
import io.streamrt.operators.OptionProblem;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The option tables of the docs are generated from {@link InferenceOptions}, as Flink generates its configuration
 * docs from its {@code ConfigOption}s: each page holds its table between {@code <!-- options:NAME -->} and
 * {@code <!-- /options -->}, and this test fails when a table differs from what the options say. To rewrite the
 * tables: {@code mvn -pl jobs test -Dtest=OptionDocsTest -Dstreamrt.docs.update=true}.
 */
class OptionDocsTest {

    private static final Path DOCS = Path.of("..", "docs");
    private static final boolean UPDATE = Boolean.getBoolean("streamrt.docs.update");

    @Test
    void theDataStreamPagesTableIsTheOptions() throws IOException {
        check("datastream.md", "datastream", table("| key | default | accepted | description |",
                d -> "| `" + d.option().key() + "` | " + defaultCell(d) + " | " + accepted(d) + " | "
                        + cell(d.description()) + " |",
                null));
    }

    @Test
    void theSqlPagesTableIsTheModelsWithOptions() throws IOException {
        check("sql.md", "sql", table("| key | also accepted | default | accepted | description |",
                d -> "| `" + d.name() + "` | `" + d.option().key() + "`" + (d.shortName().equals(d.name()) ? ""
                        : ", `" + d.shortName() + "`") + " | " + defaultCell(d) + " | " + accepted(d) + " | "
                        + cell(d.sqlDescription()) + " |",
                Surface.SQL));
    }

    @Test
    void theEnrichPagesTableIsTheOperatorFlags() throws IOException {
        check("enrich.md", "enrich", table("| flag | default | accepted | description |",
                d -> "| `" + d.flag() + "` | " + defaultCell(d) + " | " + accepted(d) + " | " + cell(d.description())
                        + " |",
                Surface.COMMAND_LINE));
    }

    private static String table(String header, Function<OptionDefinition<?>, String> row, Surface surface) {
        StringBuilder table = new StringBuilder(header).append('\n')
                .append(header.replaceAll("[^|]+", "---")).append('\n');
        StringBuilder notOffered = new StringBuilder();
        for (OptionDefinition<?> d : InferenceOptions.definitions()) {
            var why = surface == null ? java.util.Optional.<String>empty() : d.notOffered(surface);
            if (why.isPresent()) {
                notOffered.append("- `").append(d.option().key()).append("`: ").append(why.get()).append('\n');
            } else {
                table.append(row.apply(d)).append('\n');
            }
        }
        return notOffered.isEmpty() ? table.toString()
                : table + "\nNot set here, and why:\n\n" + notOffered;
    }

    private static String defaultCell(OptionDefinition<?> d) {
        String value = OptionFlags.defaultOf(d);
        return value == null ? "none" : value.isEmpty() ? "empty" : "`" + value + "`";
    }

    /** What the option's rules accept ({@link OptionProblem#accepted}); empty where no rule limits it. */
    private static String accepted(OptionDefinition<?> d) {
        return OptionProblem.accepted(d.option()).orElse("");
    }

    private static String cell(String text) {
        return text.replace("|", "\\|").replace("\n", " ");
    }

    private static void check(String page, String name, String generated) throws IOException {
        Path file = DOCS.resolve(page);
        String text = Files.readString(file, StandardCharsets.UTF_8);
        Pattern block = Pattern.compile("(<!-- options:" + name + " -->\n)(.*?)(<!-- /options -->)", Pattern.DOTALL);
        Matcher matcher = block.matcher(text);
        assertThat(matcher.find()).as("%s has a <!-- options:%s --> ... <!-- /options --> block", page, name).isTrue();
        String expected = "<!-- generated from InferenceOptions by OptionDocsTest; do not edit -->\n" + generated;
        if (UPDATE) {
            Files.writeString(file, text.substring(0, matcher.start(2)) + expected
                    + text.substring(matcher.end(2)), StandardCharsets.UTF_8);
            return;
        }
        assertThat(matcher.group(2)).as("the option table of docs/%s is stale: run "
                + "mvn -pl jobs test -Dtest=OptionDocsTest -Dstreamrt.docs.update=true", page).isEqualTo(expected);
    }
}
