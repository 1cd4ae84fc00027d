package io.streamrt.jobs.enrich;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamrt.jobs.StreamRtCli;
import io.streamrt.jobs.kafka.EmbeddedKafka;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What {@code enrich} checks with a real broker before it submits the job: a job that cannot run ends the command
 * at once, exit status 2, with the address, topic or setting named and what to do.
 */
class KafkaPreflightTest {

    private static EmbeddedKafka kafka;

    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream stderr;

    @BeforeAll
    static void startKafka() {
        kafka = EmbeddedKafka.start(Path.of(System.getProperty("java.io.tmpdir"), "preflight-kafka"));
        kafka.createTopics(1, "pf-in", "pf-out", "pf-dlq");
    }

    @AfterAll
    static void stopKafka() {
        kafka.close();
    }

    @BeforeEach
    void capture() {
        stderr = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setErr(stderr);
    }

    private int enrich(String bootstrap, String input, String... extra) {
        List<String> args = new ArrayList<>(List.of("enrich", "--bootstrap-servers", bootstrap, "--input-topic", input,
                "--output-topic", "pf-out", "--dead-letter-topic", "pf-dlq", "--engine", "onnxruntime",
                "--kafka-check-timeout-ms", "4000", "--bounded"));
        args.addAll(List.of(extra));
        return StreamRtCli.execute(args.toArray(String[]::new));
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aBrokerAddressWhereNothingListensEndsTheCommandInBoundedTime() {
        long start = System.nanoTime();
        assertThat(enrich("127.0.0.1:1", "pf-in")).isEqualTo(2);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(20));
        assertThat(err()).contains("no Kafka broker at '127.0.0.1:1' answered within 4 s")
                .contains("check --bootstrap-servers");
    }

    @Test
    void aMissingInputTopicIsNamedBeforeAnythingStarts() {
        assertThat(enrich(kafka.bootstrapServers(), "pf-typo")).isEqualTo(2);
        assertThat(err()).contains("the input topic 'pf-typo' does not exist on Kafka at '" + kafka.bootstrapServers()
                + "'").contains("check --input-topic");
    }

    @Test
    void aTransactionTimeoutAboveTheBrokersMaximumIsRefusedWithBothValues() {
        assertThat(enrich(kafka.bootstrapServers(), "pf-in", "--kafka-property", "transaction.timeout.ms=1000000"))
                .isEqualTo(2);
        assertThat(err()).contains("transaction.timeout.ms is 1000000 ms, above what the brokers")
                .contains("transaction.max.timeout.ms 900000 ms")
                .contains("--kafka-property transaction.timeout.ms=900000");
    }

    @Test
    void theDefaultsPassAndTheSinksWaitFifteenMinutesForACommit() throws Exception {
        EnrichConfig config = EnrichConfig.defaults(kafka.bootstrapServers(), "pf-in", "pf-out", "pf-dlq");
        KafkaPreflight.check(config, Duration.ofSeconds(10));
        assertThat(EnrichPipeline.transactionTimeoutMs(config)).isEqualTo(900_000);
        EnrichConfig lowered = config.toBuilder().kafkaProperties(Map.of("transaction.timeout.ms", "120000")).build();
        assertThat(EnrichPipeline.transactionTimeoutMs(lowered)).isEqualTo(120_000);
    }

    @Test
    void theSinksBatchEmbeddingSizedRecordsUnlessTheUserSetsTheBatchSize() {
        EnrichConfig config = EnrichConfig.defaults(kafka.bootstrapServers(), "pf-in", "pf-out", "pf-dlq");
        assertThat(EnrichPipeline.sinkProperties(config).getProperty("batch.size")).isEqualTo("262144");
        EnrichConfig own = config.toBuilder().kafkaProperties(Map.of("batch.size", "32768")).build();
        assertThat(EnrichPipeline.sinkProperties(own).getProperty("batch.size")).isEqualTo("32768");
        assertThat(EnrichPipeline.sinkProperties(own).getProperty("transaction.timeout.ms")).isEqualTo("900000");
    }

    @Test
    void aMalformedTransactionTimeoutIsAUsageError() {
        assertThat(enrich(kafka.bootstrapServers(), "pf-in", "--kafka-property", "transaction.timeout.ms=15min"))
                .isEqualTo(2);
        assertThat(err()).contains("transaction.timeout.ms must be a positive whole number of milliseconds, found "
                + "'15min'");
        assertThatThrownBy(() -> KafkaPreflight.check(EnrichConfig.defaults("nowhere.invalid:9092", "a", "b", "c"),
                Duration.ofSeconds(2))).isInstanceOf(KafkaPreflight.Failure.class).hasMessageContaining("nowhere.invalid");
    }
}
