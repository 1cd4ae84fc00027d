package io.streamrt.jobs.enrich;

import io.streamrt.operators.InferenceResult;
import io.streamrt.serde.KafkaRecord;
import io.streamrt.serde.OutputEncoder;
import io.streamrt.serde.OutputFields;
import io.streamrt.serde.TextRecord;
import java.util.Map;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/** Writes an enriched record: the input's key and headers, the input JSON plus the {@code inference} object. */
final class EnrichedRecordSerializer implements KafkaRecordSerializationSchema<InferenceResult<TextRecord>> {

    private static final long serialVersionUID = 1L;

    private final String topic;
    private final OutputEncoder encoder;

    EnrichedRecordSerializer(String topic, OutputFields fields) {
        this.topic = topic;
        this.encoder = new OutputEncoder(fields);
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(InferenceResult<TextRecord> result, KafkaSinkContext context,
            Long timestamp) {
        KafkaRecord source = result.getInput().getSource();
        return new ProducerRecord<>(topic, null, null, source.getKey(),
                encoder.encode(source.getValue(), result.getOutput()), headers(source.headers()));
    }

    static RecordHeaders headers(Iterable<Map.Entry<String, byte[]>> entries) {
        RecordHeaders headers = new RecordHeaders();
        for (Map.Entry<String, byte[]> entry : entries) {
            headers.add(entry.getKey(), entry.getValue());
        }
        return headers;
    }
}
