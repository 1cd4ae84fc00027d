package io.streamrt.jobs.enrich;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamrt.jobs.testing.EmbeddedKafkaExtension;
import io.streamrt.jobs.testing.EnrichTopics;
import io.streamrt.jobs.testing.MiniClusters;
import io.streamrt.jobs.testing.PoisonModel;
import io.streamrt.serde.DeadLetter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Poison records through Kafka with a real model that fails at run time on one token ({@link PoisonModel}): the
 * issue's measurement, 2,000 records with 20 poisoned, default {@code enrich} settings. Before, each failed batch
 * went to the dead-letter topic whole (128 records for 20 poisoned); now exactly the poisoned ones do.
 */
class PoisonRecordTest {

    private static final String WORD = "poison";

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = MiniClusters.oneTaskManagerTwoSlots();

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension("poison-record-kafka");

    @Test
    void onlyThePoisonedRecordsAreDeadLetteredWithTheEnginesMessageAndTheirKey(@TempDir Path dir) throws Exception {
        PoisonModel model = PoisonModel.write(dir.resolve("poison-model"), WORD);
        EnrichTopics topics = EnrichTopics.create(KAFKA.kafka(), "poison", 2);
        topics.produce(2_000, 0, 20, WORD);
        EnrichConfig config = EnrichConfig.defaults(KAFKA.kafka().bootstrapServers(), topics.input(), topics.output(),
                        topics.deadLetter())
                .withModel(model.model().toString())
                .withParallelismAndCheckpoints(2, 1000)
                .withBounded(true);

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        EnrichPipeline.build(env, config);
        env.execute("enrich with poison records");

        Map<String, ConsumerRecord<byte[], byte[]>> dead = topics.committedDeadLetters();
        assertThat(dead.size()).as("records dead-lettered for 20 poisoned").isEqualTo(20);
        assertThat(dead.keySet()).containsExactlyInAnyOrderElementsOf(topics.poisonedKeys());
        topics.assertExactlyOnce(false);
        for (var entry : dead.entrySet()) {
            String message = header(entry.getValue(), DeadLetter.MESSAGE_HEADER);
            assertThat(message).as("message of %s", entry.getKey())
                    .contains("run alone")
                    .contains("(key \"" + entry.getKey() + "\")")
                    .contains("Reshape")
                    .doesNotContain(WORD + " ");
            assertThat(header(entry.getValue(), DeadLetter.STAGE_HEADER)).isEqualTo("inference");
        }
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }
}
