package io.streamrt.jobs.bench;

import io.streamrt.jobs.kafka.EmbeddedKafka;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The Kafka side of one benchmark run: fresh topics, a producer that sends at once (no linger, so a record's
 * CreateTime is when it was offered) and a reader of the output and dead-letter topics from their beginning.
 *
 * <pre>{@code
 * try (BenchTopics topics = BenchTopics.create(kafka, "bench-3-adaptive", 2)) {
 *     topics.producer().send(new ProducerRecord<>(topics.input(), key, value));
 *     topics.poll(Duration.ofMillis(200), out -> ..., dead -> ...);
 * }
 * }</pre>
 */
final class BenchTopics implements AutoCloseable {

    /** An output record as the bench needs it: its key and its broker-stamped CreateTime. */
    record Output(String key, long createTimeMs) {}

    private final String run;
    private final KafkaProducer<byte[], byte[]> producer;
    private final KafkaConsumer<byte[], byte[]> reader;

    private BenchTopics(String run, KafkaProducer<byte[], byte[]> producer, KafkaConsumer<byte[], byte[]> reader) {
        this.run = run;
        this.producer = producer;
        this.reader = reader;
    }

    /** Creates {@code <run>-in}, {@code -out}, {@code -dlq} with {@code partitions} partitions each. */
    static BenchTopics create(EmbeddedKafka kafka, String run, int partitions) {
        kafka.createTopics(partitions, run + "-in", run + "-out", run + "-dlq");
        Properties producerProps = kafka.clientProperties();
        producerProps.setProperty(ProducerConfig.LINGER_MS_CONFIG, "0");
        producerProps.setProperty(ProducerConfig.ACKS_CONFIG, "1");
        KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(producerProps, new ByteArraySerializer(), new ByteArraySerializer());
        KafkaConsumer<byte[], byte[]> reader = null;
        try {
            reader = new KafkaConsumer<>(kafka.clientProperties(), new ByteArrayDeserializer(),
                    new ByteArrayDeserializer());
            List<TopicPartition> partitionsToRead = new ArrayList<>();
            for (String topic : List.of(run + "-out", run + "-dlq")) {
                reader.partitionsFor(topic).forEach(p -> partitionsToRead.add(new TopicPartition(topic, p.partition())));
            }
            reader.assign(partitionsToRead);
            reader.seekToBeginning(partitionsToRead);
            return new BenchTopics(run, producer, reader);
        } catch (RuntimeException e) {
            producer.close(Duration.ZERO);
            if (reader != null) {
                reader.close(Duration.ZERO);
            }
            throw e;
        }
    }

    String input() {
        return run + "-in";
    }

    String output() {
        return run + "-out";
    }

    String deadLetter() {
        return run + "-dlq";
    }

    /** Thread-safe; the pacing thread shares it with the warm-up. */
    KafkaProducer<byte[], byte[]> producer() {
        return producer;
    }

    /** Reads what arrived within {@code timeout}; outputs and dead letters go to their own handlers. */
    void poll(Duration timeout, Consumer<Output> outputs, Consumer<Output> deadLetters) {
        for (ConsumerRecord<byte[], byte[]> record : reader.poll(timeout)) {
            String key = record.key() == null ? "" : new String(record.key(), StandardCharsets.UTF_8);
            Output out = new Output(key, record.timestamp());
            if (record.topic().equals(output())) {
                outputs.accept(out);
            } else {
                deadLetters.accept(out);
            }
        }
    }

    @Override
    public void close() {
        RuntimeException failure = null;
        try {
            reader.close(Duration.ofSeconds(5));
        } catch (RuntimeException e) {
            failure = e;
        }
        try {
            producer.close(Duration.ofSeconds(5));
        } catch (RuntimeException e) {
            if (failure == null) {
                failure = e;
            } else {
                failure.addSuppressed(e);
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
