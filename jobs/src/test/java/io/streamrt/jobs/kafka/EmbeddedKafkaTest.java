package io.streamrt.jobs.kafka;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class EmbeddedKafkaTest {

    @TempDir
    static Path sharedBase;

    private static EmbeddedKafka kafka;

    @BeforeAll
    static void startBroker() {
        kafka = EmbeddedKafka.start(sharedBase);
    }

    @AfterAll
    static void stopBroker() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void readCommittedConsumerSeesOnlyTheCommittedTransaction() throws Exception {
        kafka.createTopics(2, "tx-texts");
        List<String> committed = IntStream.range(0, 10).mapToObj(i -> "committed-" + i).toList();
        List<String> aborted = IntStream.range(0, 5).mapToObj(i -> "aborted-" + i).toList();

        Properties producerProps = kafka.clientProperties();
        producerProps.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "embedded-kafka-test");
        // What Flink's exactly-once sink asks for: the broker must allow at least this.
        producerProps.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 60_000);
        try (KafkaProducer<String, String> producer =
                     new KafkaProducer<>(producerProps, new StringSerializer(), new StringSerializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            committed.forEach(value -> producer.send(new ProducerRecord<>("tx-texts", value, value)));
            producer.commitTransaction();
            producer.beginTransaction();
            aborted.forEach(value -> producer.send(new ProducerRecord<>("tx-texts", value, value)));
            producer.flush();
            producer.abortTransaction();
        }

        Properties consumerProps = kafka.clientProperties();
        consumerProps.put(ConsumerConfig.GROUP_ID_CONFIG, "embedded-kafka-test");
        consumerProps.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumerProps.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<String> seen = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer =
                     new KafkaConsumer<>(consumerProps, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of("tx-texts"));
            Set<TopicPartition> partitions = Set.of(new TopicPartition("tx-texts", 0), new TopicPartition("tx-texts", 1));
            // The aborted batch and both markers sit before the end offsets: reaching them proves
            // nothing more would arrive, without waiting on a quiet period.
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!reachedEnd(consumer, ends)) {
                assertThat(System.nanoTime()).as("read to end offsets %s within 30 s, seen %s", ends, seen)
                        .isLessThan(deadline);
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(100))) {
                    seen.add(record.value());
                }
            }
        }

        assertThat(seen).containsExactlyInAnyOrderElementsOf(committed);
    }

    /**
     * A producer that writes the moment {@code createTopics} returns delivers everything. Before topics waited for
     * their leaders to serve, the first batch of a partition could meet NOT_LEADER_OR_FOLLOWER while the producer's
     * later batches landed, and the client then retried the first with OUT_OF_ORDER_SEQUENCE_NUMBER until it
     * expired: this test failed in its first round that way, and so did FlinkClusterIT in CI.
     */
    @Test
    void aProducerStartedRightAfterCreateTopicsDeliversEveryRecord() throws Exception {
        Properties props = kafka.clientProperties();
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 20_000);
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        String value = "x".repeat(300);
        for (int round = 0; round < 6; round++) {
            String topic = "fresh-" + round;
            // Twelve partitions at once, as an enrich job's input, output and dead-letter topics.
            kafka.createTopics(4, topic, topic + "-out", topic + "-dlq");
            List<Future<?>> sends = new ArrayList<>();
            try (KafkaProducer<String, String> producer =
                         new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
                for (int i = 0; i < 2_000; i++) {
                    sends.add(producer.send(new ProducerRecord<>(topic, "k" + i, value)));
                }
                producer.flush();
                for (var send : sends) {
                    send.get(); // a failed delivery fails the test with the producer's reason
                }
            }
            Properties consumerProps = kafka.clientProperties();
            try (KafkaConsumer<String, String> consumer =
                         new KafkaConsumer<>(consumerProps, new StringDeserializer(), new StringDeserializer())) {
                List<TopicPartition> partitions =
                        IntStream.range(0, 4).mapToObj(p -> new TopicPartition(topic, p)).toList();
                long end = consumer.endOffsets(partitions).values().stream().mapToLong(Long::longValue).sum();
                assertThat(end).as("records in %s", topic).isEqualTo(2_000);
            }
        }
    }

    @Test
    void bootstrapAddressIsTheIpv4Loopback() {
        assertThat(kafka.bootstrapServers()).startsWith("127.0.0.1:");
        assertThat(kafka.clientProperties()).containsEntry("bootstrap.servers", kafka.bootstrapServers());
    }

    @Test
    void brokerListensOnTheLoopbackOnly() throws IOException {
        // Read the kernel's socket table rather than connecting anywhere but the loopback.
        // Java binds IPv6 sockets where it can, so the loopback shows as ::ffff:127.0.0.1 in tcp6.
        List<Path> tables = List.of(Path.of("/proc/net/tcp"), Path.of("/proc/net/tcp6"));
        assumeTrue(tables.stream().allMatch(Files::isReadable), "no /proc/net/tcp{,6} to read listening sockets from");
        int port = Integer.parseInt(kafka.bootstrapServers().substring("127.0.0.1:".length()));
        String portHex = String.format(":%04X", port);

        List<String> listening = new java.util.ArrayList<>();
        for (Path table : tables) {
            Files.readAllLines(table).stream().skip(1)
                    .map(line -> line.trim().split("\\s+"))
                    .filter(fields -> fields[1].endsWith(portHex) && fields[3].equals("0A"))
                    .forEach(fields -> listening.add(fields[1]));
        }

        assertThat(listening).as("listening sockets on port %d", port).isNotEmpty()
                .allSatisfy(local -> assertThat(local).isIn("0100007F" + portHex,
                        "0000000000000000FFFF00000100007F" + portHex));
    }

    @Test
    void createTopicsRejectsBadArgumentsAndExistingTopics() {
        assertThatThrownBy(() -> kafka.createTopics(0, "t")).hasMessageContaining("partitions must be at least 1");
        assertThatThrownBy(() -> kafka.createTopics(1)).hasMessageContaining("name at least one topic");
        assertThatThrownBy(() -> kafka.createTopics(1, " ")).hasMessageContaining("must not be null or blank");
        kafka.createTopics(1, "twice");
        assertThatThrownBy(() -> kafka.createTopics(1, "twice"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("use other names or a fresh EmbeddedKafka");
    }

    @Test
    void closeStopsTheBrokerAndDeletesItsDataButNotTheBaseDirectory(@TempDir Path base) {
        EmbeddedKafka own = EmbeddedKafka.start(base);
        Path data = own.dataDirectory();
        assertThat(data.getParent()).isEqualTo(base.toAbsolutePath());
        assertThat(data).isDirectoryContaining(path -> true);

        own.close();
        own.close();

        assertThat(data).doesNotExist();
        assertThat(base).isEmptyDirectory();
        assertThatThrownBy(() -> own.createTopics(1, "late"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
    }

    private static boolean reachedEnd(KafkaConsumer<?, ?> consumer, Map<TopicPartition, Long> ends) {
        if (!consumer.assignment().containsAll(ends.keySet())) {
            return false;
        }
        return ends.entrySet().stream().allMatch(end -> consumer.position(end.getKey()) >= end.getValue());
    }
}
