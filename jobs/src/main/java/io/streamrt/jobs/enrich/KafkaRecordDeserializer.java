package io.streamrt.jobs.enrich;

import io.streamrt.serde.KafkaRecord;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * Keeps a Kafka record whole: coordinates, timestamp, key, value and headers, as bytes. Never fails: judging the
 * value is the decoder's job, so that bad input reaches the dead-letter topic instead of failing the source.
 */
final class KafkaRecordDeserializer implements KafkaRecordDeserializationSchema<KafkaRecord> {

    private static final long serialVersionUID = 1L;

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<KafkaRecord> out) {
        KafkaRecord kept = KafkaRecord.of(record.topic(), record.partition(), record.offset(), record.timestamp(),
                record.key(), record.value());
        for (Header header : record.headers()) {
            kept.addHeader(header.key(), header.value());
        }
        out.collect(kept);
    }

    @Override
    public TypeInformation<KafkaRecord> getProducedType() {
        return Types.POJO(KafkaRecord.class);
    }
}
