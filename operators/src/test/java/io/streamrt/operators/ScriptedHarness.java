package io.streamrt.operators;

import io.streamrt.engine.EngineProvider;
import io.streamrt.engine.EngineRegistry;
import io.streamrt.operators.internal.InferenceFunction;
import io.streamrt.operators.internal.ProcessExit;
import io.streamrt.operators.internal.Surface;
import java.time.Duration;
import java.util.ServiceLoader;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.api.operators.async.AsyncWaitOperatorFactory;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.util.function.SerializableFunction;

/**
 * The inference operator as Flink runs it (AsyncWaitOperator around the function) on the scripted engine, over
 * string records, for the harness tests.
 *
 * <pre>{@code
 * var harness = ScriptedHarness.of(ScriptedHarness.function(ScriptedHarness.inference(FailurePolicy.FAIL, 4)));
 * }</pre>
 */
final class ScriptedHarness {

    /** The harness tests' own engine registry: their leases are the only ones in it. */
    static final EngineRegistry REGISTRY = new EngineRegistry(ServiceLoader.load(EngineProvider.class), Duration.ZERO,
            EngineRegistry.daemonTimer());

    /** The async timeout of every harness here. */
    static final long TIMEOUT_MS = 5_000;

    private ScriptedHarness() {}

    /** Settings for the scripted engine: a 20 ms latency target, the given policy and batch limit. */
    static StreamInference<String> inference(FailurePolicy onFailure, int maxBatch) {
        return StreamInference.builder((SerializableFunction<String, String>) s -> s)
                .engine("scripted")
                .maxBatchSize(maxBatch)
                .latencyTarget(Duration.ofMillis(20))
                .timeout(Duration.ofMillis(TIMEOUT_MS))
                .onFailure(onFailure)
                .build();
    }

    /** The function over the texts themselves, without a record description. */
    static InferenceFunction<String> function(StreamInference<String> inference) {
        return new InferenceFunction<>(inference.settings(), s -> s, null, null, null, Surface.DATASTREAM,
                () -> REGISTRY, ProcessExit.flinkFatalExit());
    }

    static OneInputStreamOperatorTestHarness<String, InferenceResult<String>> of(InferenceFunction<String> function)
            throws Exception {
        return of(function, AsyncDataStream.OutputMode.UNORDERED);
    }

    static OneInputStreamOperatorTestHarness<String, InferenceResult<String>> of(InferenceFunction<String> function,
            AsyncDataStream.OutputMode mode) throws Exception {
        return new OneInputStreamOperatorTestHarness<>(new AsyncWaitOperatorFactory<>(function, TIMEOUT_MS, 100, mode),
                StringSerializer.INSTANCE);
    }
}
