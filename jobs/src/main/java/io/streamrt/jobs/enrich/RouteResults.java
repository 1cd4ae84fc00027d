package io.streamrt.jobs.enrich;

import io.streamrt.operators.InferenceResult;
import io.streamrt.serde.DeadLetter;
import io.streamrt.serde.TextRecord;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/** Successes go on to the output sink; failures (engine error, timeout) become dead letters. */
final class RouteResults extends ProcessFunction<InferenceResult<TextRecord>, InferenceResult<TextRecord>> {

    private static final long serialVersionUID = 1L;

    static final OutputTag<DeadLetter> DEAD_LETTERS = new OutputTag<>("failed-inference", Types.POJO(DeadLetter.class));

    @Override
    public void processElement(InferenceResult<TextRecord> result, Context context,
            Collector<InferenceResult<TextRecord>> out) {
        if (result.isSuccess()) {
            out.collect(result);
        } else {
            context.output(DEAD_LETTERS, DeadLetter.of(result.getInput().getSource(), result.getFailureReason(),
                    result.getFailureMessage()));
        }
    }
}
