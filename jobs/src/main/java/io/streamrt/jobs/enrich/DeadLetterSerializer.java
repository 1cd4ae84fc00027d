package io.streamrt.jobs.enrich;

import io.streamrt.serde.DeadLetter;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Writes a dead letter: the original key and value bytes unchanged, the original headers plus the error headers. */
final class DeadLetterSerializer implements KafkaRecordSerializationSchema<DeadLetter> {

    private static final long serialVersionUID = 1L;

    private final String topic;

    DeadLetterSerializer(String topic) {
        this.topic = topic;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(DeadLetter deadLetter, KafkaSinkContext context, Long timestamp) {
        return new ProducerRecord<>(topic, null, null, deadLetter.getSource().getKey(),
                deadLetter.getSource().getValue(), EnrichedRecordSerializer.headers(deadLetter.headers()));
    }
}
