package io.streamrt.jobs.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamrt.jobs.demo.DemoTexts;
import io.streamrt.jobs.demo.MalformedValue;
import io.streamrt.jobs.kafka.EmbeddedKafka;
import io.streamrt.serde.DeadLetter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The input, output and dead-letter topics of one enrich run on a real broker, and the check users rely on: a
 * {@code read_committed} consumer sees every input record exactly once, in the output (well-formed ones, enriched)
 * or in the dead-letter topic (malformed ones, with the reason and source headers).
 *
 * <pre>{@code
 * EnrichTopics topics = EnrichTopics.create(kafka, "a", 2);
 * topics.produce(5_000, 250);
 * ... run the job ...
 * topics.assertExactlyOnce(false);
 * }</pre>
 */
public final class EnrichTopics {

    /** The broker the topics live on: the in-process {@link EmbeddedKafka} or a {@link ChildKafka}. */
    public interface Broker {
        String bootstrapServers();

        void createTopics(int partitions, String... names);

        /** New properties holding only {@code bootstrap.servers}. */
        default Properties clientProperties() {
            Properties props = new Properties();
            props.setProperty("bootstrap.servers", bootstrapServers());
            return props;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Broker kafka;
    private final String input;
    private final String output;
    private final String deadLetter;
    /** Each produced key and whether it must come out enriched (false: malformed or poisoned). */
    private final Map<String, Boolean> produced = new HashMap<>();
    private final Set<String> poisonedKeys = new HashSet<>();

    private EnrichTopics(Broker kafka, String suffix) {
        this.kafka = kafka;
        this.input = "in-" + suffix;
        this.output = "out-" + suffix;
        this.deadLetter = "dlq-" + suffix;
    }

    /** Creates {@code in-<suffix>}, {@code out-<suffix>} and {@code dlq-<suffix>}. */
    public static EnrichTopics create(EmbeddedKafka kafka, String suffix, int partitions) {
        return create(new Broker() {
            @Override
            public String bootstrapServers() {
                return kafka.bootstrapServers();
            }

            @Override
            public void createTopics(int count, String... names) {
                kafka.createTopics(count, names);
            }
        }, suffix, partitions);
    }

    /** As {@link #create(EmbeddedKafka, String, int)}, on any broker. */
    public static EnrichTopics create(Broker kafka, String suffix, int partitions) {
        EnrichTopics topics = new EnrichTopics(kafka, suffix);
        kafka.createTopics(partitions, topics.input, topics.output, topics.deadLetter);
        return topics;
    }

    public String input() {
        return input;
    }

    public String output() {
        return output;
    }

    public String deadLetter() {
        return deadLetter;
    }

    /**
     * {@code enrich}'s arguments for these topics on this broker, on the CPU engine, then {@code extra}: a mutable list
     * the caller may add to.
     */
    public List<String> enrichArgs(String... extra) {
        List<String> args = new ArrayList<>(List.of("enrich", "--bootstrap-servers", kafka.bootstrapServers(),
                "--input-topic", input, "--output-topic", output, "--dead-letter-topic", deadLetter,
                "--engine", "onnxruntime"));
        args.addAll(List.of(extra));
        return args;
    }

    /** Writes {@code records} generated texts, {@code malformed} of them bad input, shuffled, with a header. */
    public void produce(int records, int malformed) {
        produce(records, malformed, 0, "");
    }

    /**
     * As {@link #produce(int, int)}, with {@code poisoned} of the well-formed texts starting with {@code word} (so truncation keeps it) (keys
     * {@code poison-<id>}): a model that fails on that word fails on them; {@link #assertExactlyOnce} expects them in
     * the dead-letter topic as {@code inference-failed}.
     */
    public void produce(int records, int malformed, int poisoned, String word) {
        List<ProducerRecord<byte[], byte[]>> batch = new ArrayList<>();
        List<DemoTexts.DemoText> texts = DemoTexts.generate(records - malformed, 7);
        int every = poisoned == 0 ? Integer.MAX_VALUE : Math.max(1, texts.size() / poisoned);
        for (int i = 0; i < texts.size(); i++) {
            DemoTexts.DemoText text = texts.get(i);
            boolean poison = i % every == 0 && poisonedKeys.size() < poisoned;
            String key = (poison ? "poison-" : "good-") + text.id();
            if (poison) {
                text = new DemoTexts.DemoText(text.id(), text.topic(), word + " " + text.text());
                poisonedKeys.add(key);
            }
            batch.add(new ProducerRecord<>(input, bytes(key), DemoTexts.toJson(text, "text", "id")));
            produced.put(key, !poison);
        }
        List<MalformedValue> bad = DemoTexts.malformedValues(malformed / 13 + 1, "text", "id");
        for (MalformedValue value : bad.subList(0, malformed)) {
            String key = "bad-" + value.id();
            batch.add(new ProducerRecord<>(input, bytes(key), value.value()));
            produced.put(key, false);
        }
        Collections.shuffle(batch, new Random(11));
        // Every send is checked and the records counted before a job starts: a bounded job reads up to the end
        // offsets it sees at its start, so input still in flight would look like records the job lost.
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(kafka.clientProperties(), new ByteArraySerializer(), new ByteArraySerializer())) {
            for (ProducerRecord<byte[], byte[]> record : batch) {
                record.headers().add("source", bytes("it"));
                sent.add(producer.send(record));
            }
            producer.flush();
            for (var future : sent) {
                future.get(60, TimeUnit.SECONDS); // a failed send fails the test here
            }
        } catch (Exception e) {
            throw new AssertionError("producing the input to " + input + " failed: " + e, e);
        }
        assertThat(produced).hasSize(records);
        assertThat(endOffsets(input)).as("records readable in %s", input).isEqualTo(records);
    }

    /** The sum of the topic's end offsets as a read_committed consumer sees them. */
    private long endOffsets(String topic) {
        Properties props = kafka.clientProperties();
        props.setProperty("isolation.level", "read_committed");
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            return consumer.endOffsets(partitions).values().stream().mapToLong(Long::longValue).sum();
        }
    }

    /** Writes these JSON values under their keys, each one expected in the output. */
    public void produceJson(Map<String, String> values) {
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(kafka.clientProperties(), new ByteArraySerializer(), new ByteArraySerializer())) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            values.forEach((key, json) -> {
                sent.add(producer.send(new ProducerRecord<>(input, bytes(key), bytes(json))));
                produced.put(key, true);
            });
            producer.flush();
            for (var future : sent) {
                future.get(60, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            throw new AssertionError("producing the input to " + input + " failed: " + e, e);
        }
    }

    /** The committed output values, by key, parsed. */
    public Map<String, JsonNode> outputsByKey() {
        Map<String, JsonNode> byKey = new HashMap<>();
        readCommitted(output).forEach(r -> byKey.put(new String(r.key(), StandardCharsets.UTF_8), parse(r.value())));
        return byKey;
    }

    /** The keys of the texts {@link #produce(int, int, int, String)} poisoned. */
    public Set<String> poisonedKeys() {
        return Set.copyOf(poisonedKeys);
    }

    /** The keys of every record produced so far. */
    public Set<String> producedKeys() {
        return Set.copyOf(produced.keySet());
    }

    /** The committed records of {@code topic}, as a {@code read_committed} consumer sees them now. */
    public List<ConsumerRecord<byte[], byte[]>> committed(String topic) {
        return readCommitted(topic);
    }

    /** The committed dead letters, by key. */
    public Map<String, ConsumerRecord<byte[], byte[]>> committedDeadLetters() {
        Map<String, ConsumerRecord<byte[], byte[]>> byKey = new HashMap<>();
        readCommitted(deadLetter).forEach(r -> byKey.put(new String(r.key(), StandardCharsets.UTF_8), r));
        return byKey;
    }

    /** Committed records in the output topic now. */
    public int committedOutputs() {
        return readCommitted(output).size();
    }

    /**
     * Every produced record exactly once in output or dead letter, well-formed ones enriched with every input
     * field and header kept, malformed ones with their reason and source topic.
     */
    public void assertExactlyOnce(boolean labelled) {
        List<ConsumerRecord<byte[], byte[]>> out = readCommitted(output);
        List<ConsumerRecord<byte[], byte[]>> dead = readCommitted(deadLetter);

        assertThat(out.size() + dead.size()).as("out + dead-letter == in").isEqualTo(produced.size());
        Set<String> seen = new HashSet<>();
        for (ConsumerRecord<byte[], byte[]> record : out) {
            String key = new String(record.key(), StandardCharsets.UTF_8);
            assertThat(seen.add(key)).as("duplicate %s", key).isTrue();
            assertThat(produced.get(key)).as("%s is well-formed", key).isTrue();
            JsonNode value = parse(record.value());
            assertThat(value.get("text").isTextual()).isTrue();
            assertThat(value.get("id").asText()).isEqualTo(key.substring(key.indexOf('-') + 1));
            assertThat(value.get("topic").isTextual()).isTrue();
            JsonNode inference = value.get("inference");
            assertThat(inference.get("embedding").size()).isEqualTo(384);
            assertThat(inference.get("engine").asText()).isEqualTo("onnxruntime");
            assertThat(inference.has("label")).isEqualTo(labelled);
            assertThat(new String(record.headers().lastHeader("source").value(), StandardCharsets.UTF_8))
                    .isEqualTo("it");
        }
        for (ConsumerRecord<byte[], byte[]> record : dead) {
            String key = new String(record.key(), StandardCharsets.UTF_8);
            assertThat(seen.add(key)).as("duplicate %s", key).isTrue();
            assertThat(produced.get(key)).as("%s is malformed or poisoned", key).isFalse();
            assertThat(record.headers().lastHeader(DeadLetter.REASON_HEADER)).isNotNull();
            assertThat(record.headers().lastHeader(DeadLetter.TOPIC_HEADER).value()).isEqualTo(bytes(input));
            String reason = new String(record.headers().lastHeader(DeadLetter.REASON_HEADER).value(),
                    StandardCharsets.UTF_8);
            if (poisonedKeys.contains(key)) {
                assertThat(reason).as("reason of poisoned %s", key).isEqualTo("inference-failed");
            } else {
                assertThat(reason).as("reason of malformed %s", key).isNotEqualTo("inference-failed");
            }
        }
        assertThat(seen).isEqualTo(produced.keySet());
    }

    private List<ConsumerRecord<byte[], byte[]>> readCommitted(String topic) {
        Properties props = kafka.clientProperties();
        props.setProperty("isolation.level", "read_committed");
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                assertThat(System.nanoTime()).as("reading %s to its end", topic).isLessThan(deadline);
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }

    private static JsonNode parse(byte[] value) {
        try {
            return JSON.readTree(value);
        } catch (IOException e) {
            throw new UncheckedIOException("an output value is not JSON", e);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
