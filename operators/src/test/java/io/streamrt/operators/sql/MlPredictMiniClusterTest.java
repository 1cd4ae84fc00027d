package io.streamrt.operators.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamrt.engine.Embeddings;
import io.streamrt.engine.ModelFiles;
import io.streamrt.operators.InferenceMetrics;
import io.streamrt.operators.InferenceResult;
import io.streamrt.operators.StreamInference;
import io.streamrt.operators.testing.MiniClusters;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.api.Table;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;
import org.apache.flink.util.ExceptionUtils;
import org.apache.flink.util.function.SerializableFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code ML_PREDICT} on a {@code streamrt} model, planned by Flink's SQL planner and run on a real mini cluster with
 * the real INT8 MiniLM on ONNX Runtime, against the DataStream operator on the same texts.
 */
class MlPredictMiniClusterTest {

    private static final InMemoryReporter METRICS = InMemoryReporter.createWithRetainedMetrics();

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = MiniClusters.oneTaskManager(4, METRICS);

    private static final List<String> SENTENCES = List.of(
            "The striker scored twice and the team won the championship final.",
            "The goalkeeper saved a penalty in the last minute of the match.",
            "Parliament passed the budget after a long debate between the parties.",
            "The president vetoed the bill and the senate will vote again.",
            "The new smartphone chip runs machine learning models twice as fast.",
            "Engineers released a software update that fixes the database bug.");
    /**
     * The FP32 MiniLM where results are compared: the INT8 one quantizes each batch with one scale, so that the same
     * text's embedding moves with its batch-mates (cosine ~0.99 between batches).
     */
    private static final String FP32 = ModelFiles.BUILTIN_MINILM_FP32;
    private static final List<String> LABELS = List.of("sports", "politics", "technology");
    private static final String OPTIONS = "'provider' = 'streamrt', 'labels' = 'sports;politics;technology', "
            + "'batch.max-size-records' = '32', 'latency-target-ms' = '200'";

    @Test
    void mlPredictGivesTheDataStreamOperatorsResultsForTheSameTexts() throws Exception {
        List<String> texts = texts(120);
        StreamTableEnvironment tables = tables(1);
        tables.executeSql("CREATE MODEL topics INPUT (`text` STRING) OUTPUT (label STRING, score DOUBLE, "
                + "embedding ARRAY<FLOAT>, batch_size INT, queue_ms DOUBLE, infer_ms DOUBLE, engine STRING) WITH ("
                + OPTIONS + ", 'model' = '" + FP32 + "')");
        List<Row> rows = collect(tables.executeSql("SELECT id, `text`, label, score, embedding, batch_size, "
                + "queue_ms, infer_ms, engine FROM ML_PREDICT(TABLE docs, MODEL topics, DESCRIPTOR(`text`), "
                + "MAP['max-concurrent-operations', '64'])"));

        Map<String, InferenceResult<String>> operator = dataStreamResults(FP32);
        assertThat(rows).hasSize(texts.size());
        assertThat(rows.stream().map(r -> r.<Integer>getFieldAs("id")).distinct()).hasSize(texts.size());
        for (Row row : rows) {
            InferenceResult<String> expected = operator.get(row.<String>getFieldAs("text"));
            assertThat(row.<String>getFieldAs("label")).isEqualTo(expected.getOutput().getLabel());
            assertThat(row.<Double>getFieldAs("score")).isCloseTo(expected.getOutput().getScore(),
                    org.assertj.core.data.Offset.offset(1e-4));
            assertThat(cosine(row.<Float[]>getFieldAs("embedding"), expected.getOutput().getEmbedding()))
                    .isGreaterThan(0.9999);
            assertThat(row.<String>getFieldAs("engine")).isEqualTo("onnxruntime");
            assertThat(row.<Double>getFieldAs("queue_ms")).isNotNegative();
            assertThat(row.<Double>getFieldAs("infer_ms")).isPositive();
        }
        assertThat(rows.stream().mapToInt(r -> r.<Integer>getFieldAs("batch_size")).max().orElseThrow())
                .as("rows of one subtask share batches under a backlog").isGreaterThan(1);
    }

    @Test
    void aLongTextGivesOneRowPerWindowWithChunkRows() throws Exception {
        String longText = String.join(" ", java.util.Collections.nCopies(40, SENTENCES.get(0)));
        StreamTableEnvironment tables = tables(1);
        tables.createTemporaryView("longDocs", tables.fromValues(DataTypes.ROW(DataTypes.FIELD("id", DataTypes.INT()),
                DataTypes.FIELD("text", DataTypes.STRING())), List.of(Row.of(1, longText), Row.of(2, "Short."))));
        tables.executeSql("CREATE MODEL windows INPUT (`text` STRING) OUTPUT (embedding ARRAY<FLOAT>, "
                + "chunk_index INT, chunk_start INT, chunk_end INT) WITH ('provider' = 'streamrt', 'model' = '"
                + FP32 + "', 'long-text' = 'chunk', 'chunk.output' = 'rows', 'chunk.overlap-tokens' = '16')");

        List<Row> rows = collect(tables.executeSql("SELECT id, chunk_index, chunk_start, chunk_end, embedding FROM "
                + "ML_PREDICT(TABLE longDocs, MODEL windows, DESCRIPTOR(`text`))"));

        List<Row> longRows = rows.stream().filter(r -> r.<Integer>getFieldAs("id") == 1)
                .sorted(java.util.Comparator.comparing(r -> r.<Integer>getFieldAs("chunk_index"))).toList();
        assertThat(longRows).hasSizeGreaterThan(2);
        for (int i = 0; i < longRows.size(); i++) {
            Row row = longRows.get(i);
            assertThat(row.<Integer>getFieldAs("chunk_index")).isEqualTo(i);
            assertThat(row.<Integer>getFieldAs("chunk_end")).isGreaterThan(row.<Integer>getFieldAs("chunk_start"));
            assertThat(row.<Float[]>getFieldAs("embedding")).hasSize(384);
        }
        assertThat(longRows.get(longRows.size() - 1).<Integer>getFieldAs("chunk_end")).isEqualTo(longText.length());
        assertThat(rows.stream().filter(r -> r.<Integer>getFieldAs("id") == 2)).singleElement()
                .satisfies(r -> assertThat(r.<Integer>getFieldAs("chunk_index")).isZero());
    }

    @Test
    void flinksDefaultOfTenConcurrentOperationsCapsABatchAtTenRowsPerSubtask() throws Exception {
        StreamTableEnvironment tables = tables(1);
        tables.executeSql("CREATE MODEL sized INPUT (`text` STRING) OUTPUT (batch_size INT) WITH (" + OPTIONS + ")");
        List<Row> capped = collect(tables.executeSql("SELECT batch_size FROM ML_PREDICT(TABLE docs, MODEL sized, "
                + "DESCRIPTOR(`text`))"));
        List<Row> grown = collect(tables.executeSql("SELECT batch_size FROM ML_PREDICT(TABLE docs, MODEL sized, "
                + "DESCRIPTOR(`text`), MAP['max-concurrent-operations', '64'])"));

        assertThat(capped).hasSize(120).allSatisfy(r -> assertThat(r.<Integer>getFieldAs("batch_size"))
                .isBetween(1, 10));
        assertThat(grown.stream().mapToInt(r -> r.<Integer>getFieldAs("batch_size")).max().orElseThrow())
                .as("with 64 rows in flight batches grow past ten").isGreaterThan(10);
    }

    @Test
    void theSynchronousPathGivesTheSameLabels() throws Exception {
        StreamTableEnvironment tables = tables(2);
        // The operator's prefixed keys work too.
        tables.executeSql("CREATE MODEL topics INPUT (`text` STRING) OUTPUT (label STRING) WITH ("
                + "'provider' = 'streamrt', 'streamrt.labels' = 'sports;politics;technology', "
                + "'streamrt.batch.max-size-records' = '32')");
        List<Row> rows = collect(tables.executeSql("SELECT `text`, label FROM ML_PREDICT(TABLE docs, MODEL topics, "
                + "DESCRIPTOR(`text`), MAP['async', 'false'])"));

        Map<String, InferenceResult<String>> operator = dataStreamResults(ModelFiles.BUILTIN_MINILM_INT8);
        assertThat(rows).hasSize(120).allSatisfy(row -> assertThat(row.<String>getFieldAs("label"))
                .isEqualTo(operator.get(row.<String>getFieldAs("text")).getOutput().getLabel()));
    }

    @Test
    void deadLetterRowsCarryTheReasonAndTheirNeighboursTheirResults() throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        StreamTableEnvironment tables = StreamTableEnvironment.create(env);
        tables.createTemporaryView("mixed", tables.fromValues(DataTypes.ROW(DataTypes.FIELD("id", DataTypes.INT()),
                        DataTypes.FIELD("text", DataTypes.STRING())),
                Row.of(1, SENTENCES.get(0)), Row.of(2, null), Row.of(3, "   "), Row.of(4, SENTENCES.get(4))));
        tables.executeSql("CREATE MODEL topics INPUT (`text` STRING) OUTPUT (label STRING, error STRING) WITH ("
                + OPTIONS + ", 'on-failure' = 'dead_letter')");
        Map<Integer, Row> rows = new HashMap<>();
        collect(tables.executeSql("SELECT id, label, error FROM ML_PREDICT(TABLE mixed, MODEL topics, "
                + "DESCRIPTOR(`text`))")).forEach(r -> rows.put(r.getFieldAs("id"), r));

        assertThat(rows).hasSize(4);
        assertThat(rows.get(1).<String>getFieldAs("label")).isEqualTo("sports");
        assertThat(rows.get(4).<String>getFieldAs("label")).isEqualTo("technology");
        assertThat(rows.get(1).<String>getFieldAs("error")).isNull();
        for (int id : List.of(2, 3)) {
            assertThat(rows.get(id).<String>getFieldAs("label")).isNull();
        }
        assertThat(rows.get(2).<String>getFieldAs("error"))
                .startsWith("text-empty: INPUT column `text` is NULL for a row: ")
                .endsWith("filter such rows before ML_PREDICT, in a view it reads "
                        + "(WHERE `text` IS NOT NULL AND TRIM(`text`) <> '')");
        assertThat(rows.get(3).<String>getFieldAs("error")).startsWith("text-empty: INPUT column `text` is blank");

        // The default policy fails the job, with the same words (for whichever bad row comes first).
        tables.executeSql("CREATE MODEL strict INPUT (`text` STRING) OUTPUT (label STRING) WITH (" + OPTIONS + ")");
        assertThatThrownBy(() -> collect(tables.executeSql("SELECT id, label FROM ML_PREDICT(TABLE mixed, "
                + "MODEL strict, DESCRIPTOR(`text`))")))
                .satisfies(e -> assertThat(ExceptionUtils.stringifyException(e))
                        .containsPattern("INPUT column `text` is (NULL|blank) for a row"))
                .hasStackTraceContaining("WHERE `text` IS NOT NULL");
    }

    @Test
    void aBadOptionOrOutputColumnFailsAtPlanningAndSaysWhatIsAccepted() {
        StreamTableEnvironment tables = tables(1);
        String select = "SELECT * FROM ML_PREDICT(TABLE docs, MODEL %s, DESCRIPTOR(`text`))";

        tables.executeSql("CREATE MODEL typo INPUT (`text` STRING) OUTPUT (label STRING) WITH (" + OPTIONS
                + ", 'latency-target' = '50')");
        assertThatThrownBy(() -> tables.explainSql(select.formatted("typo"))).hasStackTraceContaining(
                "Unsupported options").hasStackTraceContaining("latency-target-ms");

        tables.executeSql("CREATE MODEL zero INPUT (`text` STRING) OUTPUT (label STRING) WITH (" + OPTIONS
                .replace("'32'", "'0'") + ")");
        assertThatThrownBy(() -> tables.explainSql(select.formatted("zero")))
                .hasStackTraceContaining("max batch size must be in 1..4096, found 0")
                .hasStackTraceContaining("options given: {batch.max-size-records=0, ");

        tables.executeSql("CREATE MODEL flagged INPUT (`text` STRING) OUTPUT (label STRING) WITH ('provider' = "
                + "'streamrt', 'labels' = 'a;b', 'max-batch-size' = '5000')");
        assertThatThrownBy(() -> tables.explainSql(select.formatted("flagged")))
                .as("the enrich command's flag names are keys too")
                .hasStackTraceContaining("max batch size must be in 1..4096, found 5000");

        tables.executeSql("CREATE MODEL colour INPUT (`text` STRING) OUTPUT (colour STRING) WITH (" + OPTIONS + ")");
        assertThatThrownBy(() -> tables.explainSql(select.formatted("colour")))
                .isInstanceOf(ValidationException.class)
                .hasStackTraceContaining("OUTPUT column `colour` is not one a streamrt model fills")
                .hasStackTraceContaining("`embedding` ARRAY<FLOAT>").hasStackTraceContaining("`label` STRING");

        tables.executeSql("CREATE MODEL typed INPUT (`text` STRING) OUTPUT (embedding STRING) WITH (" + OPTIONS
                + ")");
        assertThatThrownBy(() -> tables.explainSql(select.formatted("typed")))
                .hasStackTraceContaining("OUTPUT column `embedding` is STRING, but a streamrt model fills it as "
                        + "`embedding` ARRAY<FLOAT>");

        tables.executeSql("CREATE MODEL unlabelled INPUT (`text` STRING) OUTPUT (label STRING) WITH ("
                + "'provider' = 'streamrt')");
        assertThatThrownBy(() -> tables.explainSql(select.formatted("unlabelled")))
                .hasStackTraceContaining("runs the embedding task, which cannot fill OUTPUT column(s) [label]")
                .hasStackTraceContaining("'labels' = 'a;b;c'");

        tables.executeSql("CREATE MODEL silent INPUT (`text` STRING) OUTPUT (label STRING) WITH (" + OPTIONS
                + ", 'on-failure' = 'DEAD_LETTER')");
        assertThatThrownBy(() -> tables.explainSql(select.formatted("silent")))
                .hasStackTraceContaining("declare that column, or use 'on-failure' = 'FAIL'");

        tables.executeSql("CREATE MODEL numbers INPUT (n INT) OUTPUT (label STRING) WITH (" + OPTIONS + ")");
        assertThatThrownBy(() -> tables.explainSql("SELECT * FROM ML_PREDICT(TABLE docs, MODEL numbers, "
                + "DESCRIPTOR(id))")).hasStackTraceContaining("INPUT must be one STRING column (the text) or two");
    }

    @Test
    void planningDoesNotNeedTheEngineOnlyTheTaskManagersHave() {
        // A SQL client or JobManager without a GPU plans a model the GPU TaskManagers will run: the task and columns
        // are checked from the model's files; whether TensorRT runs is the TaskManagers' to say.
        StreamTableEnvironment tables = tables(1);
        tables.executeSql("CREATE MODEL gpu INPUT (`text` STRING) OUTPUT (embedding ARRAY<FLOAT>) WITH ("
                + "'provider' = 'streamrt', 'engine' = 'tensorrt', 'model' = '" + FP32 + "')");
        assertThat(tables.explainSql("SELECT * FROM ML_PREDICT(TABLE docs, MODEL gpu, DESCRIPTOR(`text`))"))
                .contains("ML_PREDICT");

        tables.executeSql("CREATE MODEL gpuLabels INPUT (`text` STRING) OUTPUT (label STRING) WITH ("
                + "'provider' = 'streamrt', 'engine' = 'tensorrt', 'model' = '" + FP32 + "')");
        assertThatThrownBy(() -> tables.explainSql("SELECT * FROM ML_PREDICT(TABLE docs, MODEL gpuLabels, "
                + "DESCRIPTOR(`text`))")).hasStackTraceContaining("cannot fill OUTPUT column(s) [label]");
    }

    @Test
    void aSqlJobAndADataStreamJobOnOneTaskManagerShareOneEngine() throws Exception {
        Release.GATE = new CountDownLatch(1);
        StreamExecutionEnvironment sqlEnv = StreamExecutionEnvironment.getExecutionEnvironment();
        sqlEnv.setParallelism(1); // two jobs on four slots: neither may wait for the other's
        StreamTableEnvironment tables = StreamTableEnvironment.create(sqlEnv);
        DataStream<Row> held = sqlEnv.fromData(texts(60).toArray(new String[0])).map(new Release())
                .map(t -> Row.of(t)).returns(Types.ROW_NAMED(new String[] {"text"}, Types.STRING));
        tables.createTemporaryView("held", tables.fromDataStream(held));
        tables.executeSql("CREATE MODEL topics INPUT (`text` STRING) OUTPUT (label STRING) WITH (" + OPTIONS + ")");
        TableResult sql = tables.executeSql("SELECT label FROM ML_PREDICT(TABLE held, MODEL topics, "
                + "DESCRIPTOR(`text`))");

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        inference(ModelFiles.BUILTIN_MINILM_INT8).apply(env.fromData(texts(60).toArray(new String[0])).map(new Release())).sinkTo(
                new org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink<>());
        JobClient dataStream = env.executeAsync("DataStream inference beside SQL");

        JobID sqlJob = sql.getJobClient().orElseThrow().getJobID();
        String sqlEngine = awaitEngineId(sqlJob);
        String dataStreamEngine = awaitEngineId(dataStream.getJobID());
        Release.GATE.countDown();
        assertThat(collect(sql)).hasSize(60);
        dataStream.getJobExecutionResult().get(2, TimeUnit.MINUTES);

        assertThat(sqlEngine).as("the SQL job's engine is the DataStream job's").isEqualTo(dataStreamEngine);
    }

    /** Holds every record until the test has seen both jobs open their engines. */
    static final class Release implements MapFunction<String, String> {
        static volatile CountDownLatch GATE = new CountDownLatch(0);

        @Override
        public String map(String value) throws Exception {
            GATE.await(2, TimeUnit.MINUTES);
            return value;
        }
    }

    private static String awaitEngineId(JobID job) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (true) {
            var ids = METRICS.findMetrics(job, InferenceMetrics.GROUP + "." + InferenceMetrics.ENGINE_ID).values();
            if (!ids.isEmpty()) {
                return String.valueOf(((Gauge<?>) ids.iterator().next()).getValue());
            }
            assertThat(System.nanoTime()).as("job %s registered its engine", job).isLessThan(deadline);
            Thread.sleep(50); // waiting on a running job's task to open; nothing here can drive it
        }
    }

    private static StreamInference<String> inference(String model) {
        return StreamInference.builder((SerializableFunction<String, String>) s -> s)
                .model(model)
                .labels(LABELS)
                .maxBatchSize(32)
                .latencyTarget(Duration.ofMillis(200))
                .build();
    }

    /** The DataStream operator's result for each distinct sentence, on the same cluster. */
    private static Map<String, InferenceResult<String>> dataStreamResults(String model) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        Map<String, InferenceResult<String>> byText = new HashMap<>();
        try (CloseableIterator<InferenceResult<String>> it =
                inference(model).apply(env.fromData(SENTENCES.toArray(new String[0]))).collectAsync()) {
            env.execute("DataStream inference");
            it.forEachRemaining(r -> byText.put(r.getInput(), r));
        }
        return byText;
    }

    /** A streaming table environment with {@code docs (id INT, text STRING)}: 120 texts, the sentences repeated. */
    private static StreamTableEnvironment tables(int parallelism) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(parallelism);
        StreamTableEnvironment tables = StreamTableEnvironment.create(env);
        List<Row> rows = new ArrayList<>();
        List<String> texts = texts(120);
        for (int i = 0; i < texts.size(); i++) {
            rows.add(Row.of(i, texts.get(i)));
        }
        Table docs = tables.fromValues(DataTypes.ROW(DataTypes.FIELD("id", DataTypes.INT()),
                DataTypes.FIELD("text", DataTypes.STRING())), rows);
        tables.createTemporaryView("docs", docs);
        return tables;
    }

    private static List<String> texts(int count) {
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            texts.add(SENTENCES.get(i % SENTENCES.size()));
        }
        return texts;
    }

    private static List<Row> collect(TableResult result) throws Exception {
        List<Row> rows = new ArrayList<>();
        try (CloseableIterator<Row> it = result.collect()) {
            it.forEachRemaining(rows::add);
        }
        return rows;
    }

    private static double cosine(Float[] boxed, float[] b) {
        float[] a = new float[boxed.length];
        for (int i = 0; i < a.length; i++) {
            a[i] = boxed[i];
        }
        return Embeddings.cosine(a, b);
    }
}
