package io.streamrt.jobs.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamrt.jobs.LocalCluster;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Properties;
import org.apache.flink.api.common.serialization.SimpleStringSchema;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.runtime.client.JobExecutionException;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.junit.jupiter.api.Test;

/**
 * A send that fails while the broker is down, and a task that fails before the sink's writer reports it: Flink then
 * closes the writer in the task's clean-up, the connector's writer throws the kept send failure from {@code close()},
 * and Flink stops the TaskManager ("FATAL - exception in exception handler of task"). On a mini cluster the job is
 * then left without a TaskManager for good. Both jobs here run the real Kafka sink against a broker that is down
 * (a port nothing listens on; the producer's {@code max.block.ms} is 1 s, so the send fails on missing metadata, as
 * in an outage longer than the producer's one-minute wait), and each restarts once after the failure.
 */
class FailoverSafeKafkaSinkTest {

    private static final Duration WITHIN = Duration.ofMinutes(2);

    @Test
    void theConnectorsOwnSinkLosesTheTaskManagerAndLeavesTheJobWithoutOne() throws Exception {
        KafkaSink<String> plain = kafkaSink(brokerThatIsDown());
        try (LocalCluster local = LocalCluster.submit(job(plain), "plain Kafka sink, broker down")) {
            assertThatThrownBy(() -> local.await(WITHIN))
                    .isInstanceOf(LocalCluster.TaskManagerLostException.class)
                    .hasMessageContaining("no TaskManager left")
                    .hasMessageContaining("--starting-offsets committed");
        }
    }

    @Test
    void theGuardedSinkCostsTheTaskARestartAndKeepsTheTaskManager() throws Exception {
        String bootstrap = brokerThatIsDown();
        try (LocalCluster local = LocalCluster.submit(job(new FailoverSafeKafkaSink<>(kafkaSink(bootstrap), "down")),
                "guarded Kafka sink, broker down")) {
            // Both attempts ran (one restart), each failing the task as the user's function did: the TaskManager
            // outlived the first failure's clean-up.
            assertThatThrownBy(() -> local.await(WITHIN))
                    .isInstanceOf(JobExecutionException.class)
                    .rootCause().hasMessageContaining("the task fails after its sink's send failed");
            assertThat(local.miniCluster().requestClusterOverview().get().getNumTaskManagersConnected()).isEqualTo(1);
        }
    }

    private static StreamExecutionEnvironment job(Sink<String> sink) {
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 1);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(100));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(1);
        env.fromData("a text", "another text")
                .process(new FailAfterForwarding())
                .sinkTo(sink);
        return env;
    }

    private static KafkaSink<String> kafkaSink(String bootstrapServers) {
        Properties producer = new Properties();
        producer.setProperty("max.block.ms", "1000");
        return KafkaSink.<String>builder()
                .setBootstrapServers(bootstrapServers)
                .setKafkaProducerConfig(producer)
                .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                .setRecordSerializer(KafkaRecordSerializationSchema.builder()
                        .setTopic("down")
                        .setValueSerializationSchema(new SimpleStringSchema())
                        .build())
                .build();
    }

    /** A loopback address where no broker listens: every send waits out {@code max.block.ms} and fails. */
    private static String brokerThatIsDown() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return "127.0.0.1:" + socket.getLocalPort();
        }
    }

    /**
     * Hands its first record to the sink (whose send fails and is kept for the writer's next call), then fails the
     * task, as any operator of a job may while a broker is down.
     */
    static final class FailAfterForwarding extends ProcessFunction<String, String> {
        @Override
        public void processElement(String value, Context context, Collector<String> out) {
            out.collect(value);
            throw new IllegalStateException("the task fails after its sink's send failed");
        }
    }
}
