package io.streamrt.jobs.bench;

import io.streamrt.engine.EngineSpec;
import io.streamrt.engine.HasId;
import io.streamrt.jobs.enrich.EnrichConfig;
import io.streamrt.jobs.enrich.EnrichPipeline;
import io.streamrt.operators.BatchingMode;
import io.streamrt.operators.InferenceResult;
import io.streamrt.serde.TextRecord;
import java.time.Duration;
import java.util.function.Function;
import org.apache.flink.streaming.api.datastream.DataStream;

/**
 * The ways of running the model inside the enrich job that the benchmark compares; each one replaces only the
 * inference stage, so source, decoding and sinks are the same.
 *
 * <pre>{@code
 * EnrichPipeline.build(env, config, BenchScenario.ADAPTIVE.stage(config, Duration.ofMillis(10)));
 * }</pre>
 */
public enum BenchScenario implements HasId {

    /** A plain {@code RichMapFunction} running the model on each record alone: what most users write today. */
    PER_RECORD,
    /** StreamRT's operator with a fixed max batch size and a fixed max wait, FIFO. */
    STATIC,
    /** StreamRT's operator with length buckets and a latency target. */
    ADAPTIVE;

    /** The name in the table and the JSON. */
    public String label() {
        return id();
    }

    /**
     * The inference stage for {@code config}.
     *
     * @param staticMaxDelay how long the static mode waits for a batch to fill
     */
    public Function<DataStream<TextRecord>, DataStream<InferenceResult<TextRecord>>> stage(EnrichConfig config,
            Duration staticMaxDelay) {
        return switch (this) {
            case PER_RECORD -> {
                EngineSpec spec = engineSpec(config);
                yield stream -> stream.map(new PerRecordInference(spec))
                        .returns(InferenceResult.typeInfo(stream.getType()))
                        .uid("inference")
                        .name("Per-record inference");
            }
            case STATIC -> stream -> EnrichPipeline.inference(config)
                    .batching(BatchingMode.STATIC)
                    .maxDelay(staticMaxDelay)
                    .build().apply(stream).uid("inference");
            case ADAPTIVE -> stream -> EnrichPipeline.inference(config)
                    .batching(BatchingMode.ADAPTIVE)
                    .build().apply(stream).uid("inference");
        };
    }

    /** The engine every scenario of {@code config} runs on: one shared engine per JVM for equal specs. */
    public static EngineSpec engineSpec(EnrichConfig config) {
        return EnrichPipeline.inference(config).build().settings().engine();
    }
}
