package io.streamrt.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamrt.engine.EngineRegistry;
import io.streamrt.engine.task.Task;
import io.streamrt.engine.testing.ScriptedEngine;
import io.streamrt.engine.testing.ScriptedEngineExtension;
import io.streamrt.engine.testing.TestModels;
import io.streamrt.operators.internal.ModelNotRunnableException;
import io.streamrt.operators.testing.MiniClusters;
import io.streamrt.serde.DeadLetterReason;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.apache.flink.util.ExceptionUtils;
import org.apache.flink.util.function.SerializableFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Engine faults and timeouts on a real mini cluster, with the real registry and operator and the fault-injecting
 * scripted engine behind them.
 */
@ExtendWith(ScriptedEngineExtension.class)
class EngineFailureMiniClusterTest {

    private static final InMemoryReporter METRICS = InMemoryReporter.createWithRetainedMetrics();

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = MiniClusters.oneTaskManager(2, METRICS);

    private static List<String> texts(int n) {
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            texts.add("record " + i + " of a stream that outlives its engine");
        }
        return texts;
    }

    @Test
    void afterAFatalEngineFailureTheJobGoesOnOnANewEngineAndDeadLettersNothing() throws Exception {
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(100));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(2);
        env.enableCheckpointing(100);
        List<String> inputs = texts(400);
        // Under DEAD_LETTER, the old operator kept its broken engine and dead-lettered every later record.
        StreamInference<String> inference = StreamInference.builder((SerializableFunction<String, String>) s -> s)
                .engine("scripted")
                .maxBatchSize(8)
                .latencyTarget(Duration.ofMillis(20))
                .onFailure(FailurePolicy.DEAD_LETTER)
                .build();
        ScriptedEngine.failFatallyAfter(10, "CUDA call cudaStreamSynchronize failed with status 999 "
                + "(cudaErrorUnknown)", false);

        List<InferenceResult<String>> results = new ArrayList<>();
        try (CloseableIterator<InferenceResult<String>> it = inference
                .apply(env.fromData(Types.STRING, inputs.toArray(new String[0])).rebalance()).collectAsync()) {
            env.execute("fatal engine failure");
            it.forEachRemaining(results::add);
        }

        assertThat(results).as("dead-lettered results").filteredOn(r -> !r.isSuccess()).isEmpty();
        Map<String, Long> perInput = results.stream()
                .collect(Collectors.groupingBy(InferenceResult::getInput, Collectors.counting()));
        assertThat(perInput.keySet()).containsExactlyInAnyOrderElementsOf(inputs);
        assertThat(new HashSet<>(perInput.values())).as("each input exactly once").containsExactly(1L);
        assertThat(ScriptedEngine.created()).as("engines built: the first and its replacement").isEqualTo(2);
        assertThat(ScriptedEngine.instances().get(0).isClosed()).as("the broken engine is closed").isTrue();
        assertThat(EngineRegistry.shared().openLeases()).isZero();
    }

    @Test
    void aModelThatCannotRunFailsTheJobOnceWithTheReasonInsteadOfRestartingForever(@TempDir Path dir) {
        // A classifier asked for embeddings: it has no hidden state to pool.
        Path classifier = TestModels.classifier(dir);
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 1000);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(10));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        StreamInference<String> inference = StreamInference.builder((SerializableFunction<String, String>) s -> s)
                .model(classifier.toString())
                .engine("onnxruntime")
                .task(Task.EMBEDDING)
                .build();
        inference.apply(env.fromData(Types.STRING, "a text")).sinkTo(new DiscardingSink<>());

        long start = System.nanoTime();
        assertThatThrownBy(() -> env.execute("a classifier where an encoder belongs"))
                .satisfies(e -> assertThat(ExceptionUtils.findThrowable(e, ModelNotRunnableException.class))
                        .as("cause chain of %s", e).isPresent())
                .hasStackTraceContaining("a restart would fail the same way, so the job fails without restarting")
                .hasStackTraceContaining("cannot give an embedding: expected a float output [batch, sequence, hidden]")
                .hasStackTraceContaining("found [logits: float32 [?, 3]]");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("time to fail").isLessThan(Duration.ofSeconds(30));
    }

    @Test
    void timedOutRecordsAreTakenOffTheEngineAndCountedOnce() throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        StreamInference<String> inference = StreamInference.builder((SerializableFunction<String, String>) s -> s)
                .engine("scripted")
                .latencyTarget(Duration.ofMillis(50))
                .timeout(Duration.ofMillis(400))
                .onFailure(FailurePolicy.DEAD_LETTER)
                .build();
        ScriptedEngine.hold();

        List<InferenceResult<String>> results = new ArrayList<>();
        JobID job;
        // The first record reaches the engine alone and holds it; the others queue behind it.
        DataStream<String> records = env.fromData(Types.STRING, texts(6).toArray(new String[0]))
                .map(text -> {
                    if (!text.startsWith("record 0 ")) {
                        while (ScriptedEngine.held() == 0) {
                            Thread.sleep(5);
                        }
                    }
                    return text;
                }).returns(Types.STRING);
        try (CloseableIterator<InferenceResult<String>> it = inference.apply(records).collectAsync()) {
            job = env.executeAsync("timeouts").getJobID();
            for (int i = 0; i < 6; i++) {
                results.add(it.next());
            }
            // Every record has timed out while the engine was held; the batch it was running may now finish.
            ScriptedEngine.release();
            it.forEachRemaining(results::add);
        }

        assertThat(results).hasSize(6).allSatisfy(r ->
                assertThat(r.getFailureReason()).isEqualTo(DeadLetterReason.INFERENCE_TIMEOUT));
        assertThat(ScriptedEngine.runs()).as("batches the engine ran: only the one already running").isEqualTo(1);
        assertThat(ScriptedEngine.rowsRun()).as("rows it ran: the first record's").isEqualTo(1);
        assertThat(sum(job, InferenceMetrics.RECORDS_TIMED_OUT)).isEqualTo(6);
        assertThat(sum(job, InferenceMetrics.RECORDS_FAILED)).as("dead-lettered").isEqualTo(6);
        assertThat(sum(job, InferenceMetrics.RECORDS_SUCCEEDED)).as("none counted as a success too").isZero();
        assertThat(METRICS.findMetrics(job, InferenceMetrics.GROUP + "." + InferenceMetrics.IN_FLIGHT).values())
                .allSatisfy(m -> assertThat(((Gauge<?>) m).getValue()).isEqualTo(0));
    }

    private static long sum(JobID job, String counter) {
        return METRICS.findMetrics(job, InferenceMetrics.GROUP + "." + counter).values().stream()
                .mapToLong(m -> ((Counter) m).getCount()).sum();
    }
}
