package io.streamrt.jobs.enrich;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamrt.operators.BatchingMode;
import io.streamrt.operators.InferenceOptions;
import io.streamrt.operators.InferenceSettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Kafka client settings from a properties file and from flags, and secrets kept out of printed configuration. */
class EnrichCommandTest {

    private static final List<String> REQUIRED = List.of("--bootstrap-servers", "127.0.0.1:9", "--input-topic", "in",
            "--output-topic", "out", "--dead-letter-topic", "dlq");

    @TempDir
    Path dir;

    private static EnrichConfig parse(String... extra) {
        EnrichCommand command = new EnrichCommand();
        List<String> args = new java.util.ArrayList<>(REQUIRED);
        args.addAll(List.of(extra));
        new CommandLine(command).parseArgs(args.toArray(String[]::new));
        return command.config();
    }

    @Test
    void aPropertiesFileSetsKafkaClientSettingsAndFlagsWinOverIt() throws IOException {
        Path file = dir.resolve("kafka.properties");
        Files.writeString(file, """
                security.protocol=SASL_SSL
                sasl.mechanism=SCRAM-SHA-512
                sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required \\
                    username="enricher" password="s3cr3t-from-file";
                """, StandardCharsets.UTF_8);

        EnrichConfig config = parse("--kafka-properties-file", file.toString(),
                "--kafka-property", "sasl.mechanism=PLAIN");

        assertThat(config.kafkaProperties())
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.mechanism", "PLAIN")
                .hasEntrySatisfying("sasl.jaas.config", v -> assertThat(v).contains("s3cr3t-from-file"));
    }

    @Test
    void printedConfigurationHidesSecretsButKeepsTheRest() {
        EnrichConfig config = parse("--kafka-property", "sasl.jaas.config=ScramLoginModule required password=\"p4ss\";",
                "--kafka-property", "ssl.truststore.password=trust-me", "--kafka-property", "security.protocol=SSL");

        assertThat(config.toString())
                .doesNotContain("p4ss").doesNotContain("trust-me")
                .contains("sasl.jaas.config=[hidden]", "ssl.truststore.password=[hidden]", "security.protocol=SSL")
                .contains("inputTopic=in");
    }

    @Test
    void aMissingPropertiesFileIsNamedWithTheFlag() {
        Path missing = dir.resolve("nope.properties");

        assertThatThrownBy(() -> parse("--kafka-properties-file", missing.toString()))
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageContaining("--kafka-properties-file " + missing + " does not exist");
    }

    @Test
    void theOperatorsRulesAreCheckedBeforeAnythingStartsAndNameTheFlag() {
        assertThatThrownBy(() -> parse("--max-batch-size", "5000")).isInstanceOf(CommandLine.ParameterException.class)
                .hasMessage("--max-batch-size must be at most 4096, found 5000");
        assertThatThrownBy(() -> parse("--latency-target-ms", "200", "--timeout-ms", "150"))
                .hasMessage("--timeout-ms must be longer than the latency target (200 ms), found 150");
        assertThatThrownBy(() -> parse("--token-budget", "64"))
                .hasMessage("--token-budget must be 0 (off) or at least the max sequence length 128, found 64");
        assertThatThrownBy(() -> parse("--cpu-threads", "-1")).hasMessage("--cpu-threads must be at least 0, found -1");
        assertThatThrownBy(() -> parse("--labels", "sports,sports"))
                .hasMessage("--labels must be distinct, found [sports, sports]");
    }

    @Test
    void batchingIsAdaptiveByDefaultAndStaticWithItsDelayWhenAsked() {
        assertThat(parse().batching()).isEqualTo(new EnrichConfig.Batching(BatchingMode.ADAPTIVE, 10));

        EnrichConfig config = parse("--batching", "static", "--max-delay-ms", "25");

        assertThat(config.batching()).isEqualTo(new EnrichConfig.Batching(BatchingMode.STATIC, 25));
        // What the job's operator is built with.
        InferenceSettings settings = EnrichPipeline.inference(config).build().settings();
        assertThat(settings.batching()).isEqualTo(BatchingMode.STATIC);
        assertThat(settings.maxDelayMs()).isEqualTo(25);
        assertThatThrownBy(() -> parse("--batching", "fixed")).isInstanceOf(CommandLine.ParameterException.class)
                .hasMessage("Invalid value for option '--batching': expected one of [adaptive, static] but was "
                        + "'fixed'");
        assertThatThrownBy(() -> parse("--max-delay-ms", "-1")).hasMessageContaining("--max-delay-ms must be at "
                + "least 0, found -1");
    }

    @Test
    void everyOperatorOptionCanBeSetFromTheCommandLineAndReachesTheOperator() {
        EnrichConfig config = parse("--timeout-ms", "5000", "--cpu-threads", "2", "--token-budget", "4096",
                "--max-batch-size", "16", "--ordered", "--labels", "a, b", "--top-k", "0");

        InferenceSettings settings = EnrichPipeline.inference(config).build().settings();
        assertThat(settings.timeoutMs()).isEqualTo(5000);
        assertThat(settings.engine().threads()).isEqualTo(2);
        assertThat(settings.tokenBudget()).isEqualTo(4096);
        assertThat(settings.engine().maxBatchSize()).isEqualTo(16);
        assertThat(settings.ordered()).isTrue();
        assertThat(settings.labels()).containsExactly("a", "b");
        // Not given: the options' defaults.
        InferenceSettings defaults = EnrichPipeline.inference(parse()).build().settings();
        assertThat(defaults.timeoutMs()).isEqualTo(InferenceOptions.TIMEOUT_MS.defaultValue());
        assertThat(defaults.engine().threads()).isEqualTo(InferenceOptions.ENGINE_CPU_THREADS.defaultValue());
        assertThat(defaults.latencyTargetMs()).isEqualTo(InferenceOptions.LATENCY_TARGET_MS.defaultValue());
        assertThat(defaults.capacity()).isEqualTo(InferenceOptions.CAPACITY.defaultValue());
    }
}
