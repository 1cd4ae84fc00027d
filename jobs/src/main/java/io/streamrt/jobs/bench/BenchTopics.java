package io.streamrt.jobs.bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.streamrt.jobs.kafka.EmbeddedKafka;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
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

    /**
     * An output record as the bench needs it.
     *
     * @param key the input record's key
     * @param createTimeMs its CreateTime, stamped by the sink's producer
     * @param queueMs the operator's {@code inference.queue_ms} (arrival to batch start); NaN where absent
     */
    record Output(String key, long createTimeMs, double queueMs, int bytes) {}

    private static final JsonFactory JSON = new JsonFactory();

    private final String run;
    /** The client id prefix of the harness's own producer and reader. */
    static final String HARNESS_CLIENT_PREFIX = "bench-harness-";

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
        // Named so that a profile tells the harness's threads from the job's (StageProfile).
        producerProps.setProperty(ProducerConfig.CLIENT_ID_CONFIG, HARNESS_CLIENT_PREFIX + run + "-producer");
        KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(producerProps, new ByteArraySerializer(), new ByteArraySerializer());
        KafkaConsumer<byte[], byte[]> reader = null;
        try {
            Properties readerProps = kafka.clientProperties();
            readerProps.setProperty(ConsumerConfig.CLIENT_ID_CONFIG, HARNESS_CLIENT_PREFIX + run + "-reader");
            reader = new KafkaConsumer<>(readerProps, new ByteArrayDeserializer(), new ByteArrayDeserializer());
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
            if (record.topic().equals(output())) {
                outputs.accept(new Output(key, record.timestamp(), queueMs(record.value()),
                        record.serializedValueSize()));
            } else {
                deadLetters.accept(new Output(key, record.timestamp(), Double.NaN, record.serializedValueSize()));
            }
        }
    }

    /** The first {@code queue_ms} field of an enriched value (the operator's), or NaN. */
    static double queueMs(byte[] value) {
        try (JsonParser parser = JSON.createParser(value)) {
            for (JsonToken token = parser.nextToken(); token != null; token = parser.nextToken()) {
                if (token == JsonToken.FIELD_NAME && "queue_ms".equals(parser.currentName())) {
                    parser.nextToken();
                    return parser.getDoubleValue();
                }
            }
        } catch (IOException e) {
            // Not JSON: the bench reports what it can and the missing figure as NaN.
        }
        return Double.NaN;
    }

    @Override
    public void close() {
        Closing.inOrder(() -> reader.close(Duration.ofSeconds(5)), () -> producer.close(Duration.ofSeconds(5)));
    }
}
