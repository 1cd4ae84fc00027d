package io.streamrt.jobs.enrich;

import io.streamrt.serde.DeadLetter;
import io.streamrt.serde.DecodeResult;
import io.streamrt.serde.KafkaRecord;
import io.streamrt.serde.RecordDecoder;
import io.streamrt.serde.TextRecord;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/** Valid records go on; bad ones go to the dead-letter side output with their reason, and are counted. */
final class DecodeFunction extends ProcessFunction<KafkaRecord, TextRecord> {

    private static final long serialVersionUID = 1L;

    static final OutputTag<DeadLetter> DEAD_LETTERS = new OutputTag<>("bad-input", Types.POJO(DeadLetter.class));

    private final RecordDecoder decoder;
    private transient Counter deadLettered;

    DecodeFunction(RecordDecoder decoder) {
        this.decoder = decoder;
    }

    @Override
    public void open(org.apache.flink.api.common.functions.OpenContext openContext) {
        deadLettered = getRuntimeContext().getMetricGroup().addGroup("streamrt").counter("recordsDeadLettered");
    }

    @Override
    public void processElement(KafkaRecord record, Context context, Collector<TextRecord> out) {
        DecodeResult result = decoder.decode(record);
        if (result.isValid()) {
            out.collect(result.record());
        } else {
            deadLettered.inc();
            context.output(DEAD_LETTERS, result.deadLetter());
        }
    }
}
