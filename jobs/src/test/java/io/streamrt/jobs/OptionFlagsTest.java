package io.streamrt.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamrt.jobs.bench.BenchCommand;
import io.streamrt.jobs.demo.DemoCommand;
import io.streamrt.jobs.enrich.EnrichCommand;
import io.streamrt.jobs.model.BuildEngineCommand;
import io.streamrt.jobs.testing.Cli;
import io.streamrt.operators.InferenceOptions;
import io.streamrt.operators.OptionDefinition;
import io.streamrt.operators.OptionDefinition.Surface;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** The command line's operator flags are derived from the options: every option has one, with its default. */
class OptionFlagsTest {

    @Test
    void enrichHasAFlagForEveryOperatorOptionOrTheDefinitionSaysWhyNot() {
        CommandSpec enrich = new CommandLine(new EnrichCommand()).getCommandSpec();
        for (OptionDefinition<?> d : InferenceOptions.definitions()) {
            OptionSpec flag = enrich.findOption(d.flag());
            if (d.notOffered(Surface.COMMAND_LINE).isPresent()) {
                assertThat(flag).as(d.flag()).isNull();
                continue;
            }
            assertThat(flag).as("enrich %s for %s", d.flag(), d.option().key()).isNotNull();
            assertThat(flag.defaultValue()).as(d.flag()).isEqualTo(OptionFlags.defaultOf(d));
            assertThat(flag.description()[0]).as(d.flag()).startsWith(d.description().replace("%", "%%"));
        }
    }

    @Test
    void everyCommandsOperatorFlagsHaveTheOptionsDefaults() {
        for (Object command : List.of(new EnrichCommand(), new DemoCommand(), new BenchCommand(),
                new BuildEngineCommand())) {
            CommandSpec spec = new CommandLine(command).getCommandSpec();
            for (OptionDefinition<?> d : InferenceOptions.definitions()) {
                OptionSpec flag = spec.findOption(d.flag());
                if (flag != null && d.option().hasDefaultValue()) {
                    assertThat(flag.defaultValue()).as("%s %s", spec.name(), d.flag())
                            .isEqualTo(OptionFlags.defaultOf(d));
                }
            }
        }
    }

    @Test
    void defaultsAreWrittenAsTheCommandLineTakesThem() {
        assertThat(OptionFlags.defaultOf(InferenceOptions.definition(InferenceOptions.BATCHING))).isEqualTo("adaptive");
        assertThat(OptionFlags.defaultOf(InferenceOptions.definition(InferenceOptions.MAX_BATCH_SIZE))).isEqualTo("64");
        assertThat(OptionFlags.defaultOf(InferenceOptions.definition(InferenceOptions.TASK))).isNull();
    }

    @Test
    void aSubcommandDeclaredInAnAnnotationGetsTheDefaultsToo() {
        CommandLine model = new CommandLine(new io.streamrt.jobs.model.ModelCommand());
        OptionSpec maxBatchSize = model.getSubcommands().get("build-engine").getCommandSpec()
                .findOption("--max-batch-size");
        assertThat(maxBatchSize).isNotNull();
        // Through the job jar's entry point, as a user runs it.
        Cli.Run help = Cli.run("model", "build-engine", "--help");
        assertThat(help.exit()).as(help.toString()).isZero();
        assertThat(help.out()).contains("Most records in one batch").contains("Default: 64");
    }

    @Test
    void aCommandWithoutTheTransformerKeepsItsOwnFlags() {
        Cli.Run help = Cli.run("model", "quantize", "--help");
        assertThat(help.exit()).as(help.toString()).isZero();
        // quantize's --max-sequence-length and --tokenizer mean its calibration texts, not the operator's options.
        assertThat(help.out()).contains("Calibration texts are truncated").doesNotContain("Longest input in tokens");
    }
}
