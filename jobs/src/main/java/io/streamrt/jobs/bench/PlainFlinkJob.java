package io.streamrt.jobs.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Properties;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The yardstick of {@code bench --engine-free-only}: what Flink itself carries on the same records, with no model. A
 * Kafka source, one map that parses each value with Jackson and adds a small field ({@code "chars"}: the text's
 * length), a Kafka sink that keeps the key; at least once, the enrich job's parallelism and checkpoint interval, and
 * the Kafka clients' own defaults.
 *
 * <pre>{@code
 * PlainFlinkJob.build(env, "127.0.0.1:9092", "texts", "plain-out", "plain-group", "text", 2, 1000);
 * }</pre>
 */
final class PlainFlinkJob {

    private PlainFlinkJob() {}

    /** Adds the job to {@code env}: from the earliest offsets of {@code input}, unbounded. */
    static void build(StreamExecutionEnvironment env, String bootstrapServers, String input, String output,
            String groupId, String textField, int parallelism, long checkpointIntervalMs) {
        env.setParallelism(parallelism);
        env.getConfig().enableObjectReuse(); // as the enrich job does
        env.enableCheckpointing(checkpointIntervalMs, CheckpointingMode.AT_LEAST_ONCE);
        KafkaSource<Tuple2<byte[], byte[]>> source = KafkaSource.<Tuple2<byte[], byte[]>>builder()
                .setBootstrapServers(bootstrapServers)
                .setTopics(input)
                .setGroupId(groupId)
                .setStartingOffsets(OffsetsInitializer.earliest())
                .setDeserializer(new KeyAndValue())
                .build();
        KafkaSink<Tuple2<byte[], byte[]>> sink = KafkaSink.<Tuple2<byte[], byte[]>>builder()
                .setBootstrapServers(bootstrapServers)
                .setKafkaProducerConfig(new Properties())
                .setRecordSerializer(new KeyAndValueSerializer(output))
                .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                .build();
        env.fromSource(source, WatermarkStrategy.noWatermarks(), "Kafka source: " + input)
                .map(new AddField(textField))
                .name("Parse JSON + add a field")
                .sinkTo(sink)
                .name("Kafka sink: " + output);
    }

    /** A record's key and value, as they came. */
    private static final class KeyAndValue implements KafkaRecordDeserializationSchema<Tuple2<byte[], byte[]>> {

        private static final long serialVersionUID = 1L;

        @Override
        public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<Tuple2<byte[], byte[]>> out) {
            out.collect(Tuple2.of(record.key(), record.value()));
        }

        @Override
        public TypeInformation<Tuple2<byte[], byte[]>> getProducedType() {
            return Types.TUPLE(Types.PRIMITIVE_ARRAY(Types.BYTE), Types.PRIMITIVE_ARRAY(Types.BYTE));
        }
    }

    /** Parses the value as a JSON object and adds the length of its text field. */
    private static final class AddField extends RichMapFunction<Tuple2<byte[], byte[]>, Tuple2<byte[], byte[]>> {

        private static final long serialVersionUID = 1L;
        private final String textField;
        private transient ObjectMapper mapper;

        AddField(String textField) {
            this.textField = textField;
        }

        @Override
        public void open(OpenContext openContext) {
            mapper = new ObjectMapper();
        }

        @Override
        public Tuple2<byte[], byte[]> map(Tuple2<byte[], byte[]> record) throws IOException {
            ObjectNode object = (ObjectNode) mapper.readTree(record.f1);
            object.put("chars", object.path(textField).asText("").length());
            return Tuple2.of(record.f0, mapper.writeValueAsBytes(object));
        }
    }

    private record KeyAndValueSerializer(String topic)
            implements KafkaRecordSerializationSchema<Tuple2<byte[], byte[]>> {

        @Override
        public ProducerRecord<byte[], byte[]> serialize(Tuple2<byte[], byte[]> record, KafkaSinkContext context,
                Long timestamp) {
            return new ProducerRecord<>(topic, null, null, record.f0, record.f1);
        }
    }
}
