package io.streamrt.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamrt.engine.EngineRegistry;
import io.streamrt.engine.task.Task;
import io.streamrt.operators.testing.MiniClusters;
import io.streamrt.serde.EmbeddingEncoding;
import io.streamrt.serde.OutputFields;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.Metric;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.apache.flink.util.function.SerializableFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The public API on a real mini cluster with the real INT8 MiniLM on ONNX Runtime. */
class StreamInferenceMiniClusterTest {

    private static final InMemoryReporter METRICS = InMemoryReporter.createWithRetainedMetrics();

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = MiniClusters.oneTaskManager(2, METRICS);

    private static final Map<String, String> SENTENCES = Map.of(
            "The striker scored twice and the team won the championship final.", "sports",
            "The goalkeeper saved a penalty in the last minute of the match.", "sports",
            "Parliament passed the budget after a long debate between the parties.", "politics",
            "The president vetoed the bill and the senate will vote again.", "politics",
            "The new smartphone chip runs machine learning models twice as fast.", "technology",
            "Engineers released a software update that fixes the database bug.", "technology");

    @Test
    void enrichesEveryRecordWithAnEmbeddingAndTheNearestLabelOnOneSharedEngine() throws Exception {
        List<String> inputs = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            for (String sentence : SENTENCES.keySet()) {
                inputs.add(sentence);
            }
        }
        int enginesBefore = EngineRegistry.shared().openEngines();
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        long created = System.currentTimeMillis();
        StreamInference<String> inference = StreamInference.builder((SerializableFunction<String, String>) s -> s)
                .recordTimestamp(s -> created)
                .labels(List.of("sports", "politics", "technology"))
                .maxBatchSize(16)
                .latencyTarget(Duration.ofMillis(200))
                .build();

        List<InferenceResult<String>> results = new ArrayList<>();
        JobID jobId;
        try (CloseableIterator<InferenceResult<String>> it =
                inference.apply(env.fromData(Types.STRING, inputs.toArray(new String[0])).rebalance()).collectAsync()) {
            // execute() returns once every task has finished and closed, so leases are released by then.
            jobId = env.execute("inference").getJobID();
            it.forEachRemaining(results::add);
        }

        assertThat(results).hasSize(inputs.size()).allSatisfy(r -> {
            assertThat(r.isSuccess()).isTrue();
            assertThat(r.getOutput().getEngine()).isEqualTo("onnxruntime");
            assertThat(r.getOutput().getModel()).isEqualTo("all-minilm-l6-v2-int8");
            float[] e = r.getOutput().getEmbedding();
            assertThat(e).hasSize(384);
            double norm = 0;
            for (float v : e) {
                norm += v * v;
            }
            assertThat(Math.sqrt(norm)).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-3));
            assertThat(r.getOutput().getLabel()).isEqualTo(SENTENCES.get(r.getInput()));
            assertThat(r.getOutput().getScore()).isBetween(0f, 1f);
        });
        double meanBatch = results.stream().mapToInt(r -> r.getOutput().getBatchSize()).average().orElseThrow();
        assertThat(meanBatch).as("records are micro-batched").isGreaterThan(1.5);
        Map<String, Long> perInput = results.stream().collect(Collectors.groupingBy(InferenceResult::getInput,
                Collectors.counting()));
        assertThat(perInput.values()).allSatisfy(n -> assertThat(n).isEqualTo(40L));
        assertThat(EngineRegistry.shared().openEngines() - enginesBefore)
                .as("both subtasks shared one engine, kept warm for the grace period").isEqualTo(1);
        assertThat(EngineRegistry.shared().openLeases()).isZero();
        assertMetrics(jobId, inputs.size());
    }

    /** Both subtasks register every metric; they report one engine; records and batches are counted apart. */
    private static void assertMetrics(JobID jobId, int records) {
        Map<String, Metric> engineIds = METRICS.findMetrics(jobId, InferenceMetrics.GROUP + "." + InferenceMetrics.ENGINE_ID);
        assertThat(engineIds).hasSize(2);
        assertThat(engineIds.values().stream().map(m -> ((Gauge<?>) m).getValue()).distinct()).hasSize(1);
        long succeeded = METRICS.findMetrics(jobId, InferenceMetrics.GROUP + "." + InferenceMetrics.RECORDS_SUCCEEDED)
                .values().stream().mapToLong(m -> ((Counter) m).getCount()).sum();
        assertThat(succeeded).isEqualTo(records);
        for (String histogram : List.of(InferenceMetrics.QUEUE_TIME_MS, InferenceMetrics.RUN_TIME_MS,
                InferenceMetrics.BATCH_SIZE, InferenceMetrics.END_TO_END_LATENCY_MS)) {
            Map<String, Metric> found = METRICS.findMetrics(jobId, InferenceMetrics.GROUP + "." + histogram);
            assertThat(found).as(histogram).hasSize(2);
            assertThat(found.values().stream().mapToLong(m -> ((Histogram) m).getCount()).sum()).as(histogram)
                    .isPositive();
        }
        long engineRecords = METRICS.findMetrics(jobId, InferenceMetrics.GROUP + "." + InferenceMetrics.ENGINE_RECORDS)
                .values().stream().mapToLong(m -> ((Number) ((Gauge<?>) m).getValue()).longValue()).max().orElseThrow();
        long engineBatches = METRICS.findMetrics(jobId, InferenceMetrics.GROUP + "." + InferenceMetrics.ENGINE_BATCHES)
                .values().stream().mapToLong(m -> ((Number) ((Gauge<?>) m).getValue()).longValue()).max().orElseThrow();
        assertThat(engineRecords).as("records run on the shared engine").isGreaterThanOrEqualTo(records);
        assertThat(engineBatches).as("batches, counted apart from records").isPositive().isLessThan(engineRecords);
        for (String gauge : List.of(InferenceMetrics.DEVICE_MEMORY_USED_BYTES, InferenceMetrics.DEVICE_MEMORY_TOTAL_BYTES,
                InferenceMetrics.DEVICE_UTILIZATION_PERCENT)) {
            assertThat(METRICS.findMetrics(jobId, InferenceMetrics.GROUP + "." + gauge)).as("%s on a CPU engine", gauge)
                    .isEmpty();
        }
        for (String gauge : List.of(InferenceMetrics.PADDING_RATIO, InferenceMetrics.ENGINE_BUSY_FRACTION,
                InferenceMetrics.LATENCY_TARGET_MS, InferenceMetrics.BATCH_LIMIT, InferenceMetrics.IN_FLIGHT,
                InferenceMetrics.ENGINE_QUEUED)) {
            assertThat(METRICS.findMetrics(jobId, InferenceMetrics.GROUP + "." + gauge)).as(gauge).hasSize(2);
        }
    }

    @Test
    void theSimulatedGpuRunsTheJobAndEveryResultSaysSo() throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        StreamInference<String> inference = StreamInference.builder((SerializableFunction<String, String>) s -> s)
                .engine("simulated-gpu")
                .simulatedGpu(2, 2)
                .maxBatchSize(16)
                .build();
        assertThat(inference.settings().engine().options()).containsEntry("simulated.time-scale", "2.0")
                .containsEntry("simulated.streams", "2");
        assertThat(StreamInference.builder((SerializableFunction<String, String>) s -> s).simulatedGpu(2, 2).build()
                .settings().engine().options()).as("another engine's spec carries none").isEmpty();

        List<InferenceResult<String>> results = new ArrayList<>();
        List<String> inputs = new ArrayList<>(SENTENCES.keySet());
        try (CloseableIterator<InferenceResult<String>> it =
                inference.apply(env.fromData(Types.STRING, inputs.toArray(new String[0])).rebalance()).collectAsync()) {
            env.execute("simulated");
            it.forEachRemaining(results::add);
        }

        assertThat(results).hasSize(inputs.size()).allSatisfy(r -> {
            assertThat(r.isSuccess()).isTrue();
            assertThat(r.getOutput().getEngine()).isEqualTo("simulated-gpu");
            assertThat(r.getOutput().getEmbedding()).hasSize(384);
        });
    }

    @Test
    void theOperatorCarriesTheUidItsSavepointStateIsFiledUnder() {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        DataStream<String> texts = env.fromData("a text");
        SerializableFunction<String, String> text = s -> s;

        var withUid = StreamInference.builder(text).uid("review-embeddings").build().apply(texts);
        var without = StreamInference.builder(text).build().apply(texts);

        assertThat(withUid.getTransformation().getUid()).isEqualTo("review-embeddings");
        assertThat(without.getTransformation().getUid()).as("left to Flink's topology hash").isNull();
        assertThatThrownBy(() -> StreamInference.builder(text).uid(" "))
                .hasMessage("uid must not be blank: it names the operator's state in savepoints");
    }

    @Test
    void invalidSettingsAreRejectedWithTheSettingAndTheAcceptedRange() {
        SerializableFunction<String, String> text = s -> s;
        assertThatThrownBy(() -> StreamInference.builder(text).maxBatchSize(0).build())
                .hasMessage("max batch size must be in 1..4096, found 0");
        assertThatThrownBy(() -> StreamInference.builder(text).latencyTarget(Duration.ofSeconds(90)).build())
                .hasMessage("timeout (60000 ms) must be longer than the latency target (90000 ms)");
        assertThatThrownBy(() -> StreamInference.builder(text).labels(List.of("a", "a")).build())
                .hasMessage("labels must be distinct, found [a, a]");
        assertThatThrownBy(() -> StreamInference.builder(null)).hasMessage("textExtractor");
        assertThatThrownBy(() -> StreamInference.builder(text).task(Task.CLASSIFICATION)
                .output(OutputFields.parse("label,scores", EmbeddingEncoding.JSON)).build())
                .hasMessage("output fields [scores] are not given by the classification task, which gives model, "
                        + "engine, label, score, batch_size, queue_ms, infer_ms (scores needs top-k, e.g. topK(3))");
        Configuration typo = new Configuration();
        typo.set(InferenceOptions.OUTPUT_FIELDS, List.of("label", "embeddings"));
        assertThatThrownBy(() -> StreamInference.builder(text).configure(typo).build())
                .hasMessageStartingWith("output: unknown output field 'embeddings': expected some of model, engine, "
                        + "embedding,");
        Configuration encoding = new Configuration();
        encoding.set(InferenceOptions.EMBEDDING_ENCODING, "base64");
        assertThatThrownBy(() -> StreamInference.builder(text).configure(encoding).build())
                .hasMessage("output: unknown embedding encoding 'base64': expected one of json, base64-f32, "
                        + "base64-f16");
    }
}
