package io.streamrt.jobs.bench;

import io.streamrt.engine.EncoderBatch;
import io.streamrt.engine.EncoderOutput;
import io.streamrt.engine.EngineInfo;
import io.streamrt.engine.EngineLease;
import io.streamrt.engine.EngineRegistry;
import io.streamrt.engine.EngineSpec;
import io.streamrt.operators.InferenceResult;
import io.streamrt.serde.InferenceOutput;
import io.streamrt.serde.TextRecord;
import io.streamrt.serde.TextTokenizer;
import java.util.List;
import java.util.Objects;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;

/**
 * The benchmark's baseline: the model run on each record alone, inside a plain {@code map}, on the task thread.
 * This is what most Flink users write today (DJL's Flink example does the same); it blocks the task while the
 * model runs and never batches. It uses the same shared engine as StreamRT's operator, so only the way of
 * calling it differs.
 *
 * <pre>{@code
 * DataStream<InferenceResult<TextRecord>> results = records.map(new PerRecordInference(spec))
 *         .returns(InferenceResult.typeInfo(records.getType()));
 * }</pre>
 */
public final class PerRecordInference extends RichMapFunction<TextRecord, InferenceResult<TextRecord>> {

    private static final long serialVersionUID = 1L;

    private final EngineSpec spec;

    private transient EngineLease lease;
    private transient TextTokenizer tokenizer;
    private transient String model;
    private transient String backend;

    public PerRecordInference(EngineSpec spec) {
        this.spec = Objects.requireNonNull(spec, "spec");
    }

    @Override
    public void open(OpenContext openContext) {
        lease = EngineRegistry.shared().acquire(spec);
        EngineInfo info = lease.engine().info();
        model = lease.model().name();
        backend = info.backend();
        tokenizer = TextTokenizer.open(lease.model().tokenizer(),
                Math.min(spec.maxSequenceLength(), info.maxSequenceLength()));
    }

    @Override
    public InferenceResult<TextRecord> map(TextRecord record) {
        EncoderBatch batch = EncoderBatch.pad(List.of(tokenizer.encode(record.getText()).ids()));
        EncoderOutput output = lease.engine().run(batch);
        float[] embedding = output.meanPooledNormalized(batch.lengths())[0];
        return InferenceResult.success(record,
                new InferenceOutput(model, backend, embedding, null, 0f, 1, 0.0, output.runNanos() / 1e6));
    }

    @Override
    public void close() {
        // Reverse order of open().
        Closing.inOrder(() -> {
            if (tokenizer != null) {
                tokenizer.close();
            }
        }, () -> {
            if (lease != null) {
                lease.close();
            }
        });
    }
}
