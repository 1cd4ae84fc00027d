package io.streamrt.jobs.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import io.streamrt.engine.EngineProvider;
import io.streamrt.engine.EngineSpec;
import io.streamrt.engine.ModelFiles;
import io.streamrt.jobs.testing.MiniClusters;
import io.streamrt.jobs.testing.OwnModels;
import io.streamrt.operators.InferenceResult;
import io.streamrt.operators.StreamInference;
import io.streamrt.serde.InferenceOutput;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;
import org.apache.flink.util.ExceptionUtils;
import org.apache.flink.util.function.SerializableFunction;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The task-specific OUTPUT columns through {@code ML_PREDICT} on Hugging Face-shaped models (a classifier, a token
 * classifier, a cross-encoder with a two-column INPUT), each row against the DataStream operator's result for the
 * same text on the same model.
 */
class SqlOwnModelsTest {

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = MiniClusters.oneTaskManagerTwoSlots();

    private static final List<String> TEXTS = List.of(
            "We drove from Rome to Vienna and then flew to Sydney.",
            "The striker scored twice and the team won the final.",
            "Parliament passed the budget after a long debate.",
            "The train from Hong Kong to Beijing was late again.");
    private static final List<String> PASSAGES = List.of("A football match report.", "A travel diary.");

    @TempDir
    Path dir;

    @Test
    void aClassifierFillsLabelScoreAndTopKScores() throws Exception {
        Path model = OwnModels.classifier(dir.resolve("classifier"), List.of("sports", "politics", "technology"),
                weights(3), new float[3]);
        Map<String, InferenceOutput> expected = dataStream(model, 2, false);

        List<Row> rows = sql("CREATE MODEL m INPUT (`text` STRING) OUTPUT (label STRING, score DOUBLE, "
                + "scores MAP<STRING, DOUBLE>) WITH ('provider' = 'streamrt', 'model' = '" + model + "', "
                + "'classification.top-k' = '2')", "SELECT `text`, label, score, scores FROM ML_PREDICT(TABLE docs, "
                + "MODEL m, DESCRIPTOR(`text`))");

        assertThat(rows).hasSize(TEXTS.size()).allSatisfy(row -> {
            InferenceOutput want = expected.get(row.<String>getFieldAs("text"));
            assertThat(row.<String>getFieldAs("label")).isEqualTo(want.getLabel());
            assertThat(row.<Double>getFieldAs("score")).isCloseTo(want.getScore(), offset(1e-4));
            Map<String, Double> scores = row.getFieldAs("scores");
            assertThat(scores).hasSize(2).containsOnlyKeys(want.getScoreLabels());
            for (int i = 0; i < 2; i++) {
                assertThat(scores.get(want.getScoreLabels()[i])).isCloseTo(want.getScoreValues()[i], offset(1e-4));
            }
        });
    }

    @Test
    void zeroShotLabelsOnAClassifierFailAtPlanningInSqlWords() throws Exception {
        Path model = OwnModels.classifier(dir.resolve("classifier"), List.of("sports", "politics", "technology"),
                weights(3), new float[3]);
        assertThatThrownBy(() -> sql("CREATE MODEL m INPUT (`text` STRING) OUTPUT (label STRING) WITH ("
                + "'provider' = 'streamrt', 'model' = '" + model + "', 'labels' = 'x;y')",
                "SELECT label FROM ML_PREDICT(TABLE docs, MODEL m, DESCRIPTOR(`text`))"))
                .hasStackTraceContaining("model `m` (provider 'streamrt'): zero-shot 'labels' work on embeddings, but "
                        + "the model runs the classification task (")
                .hasStackTraceContaining("drop 'labels', or set 'task' = 'embedding'");
    }

    @Test
    void modelAndEngineErrorsNameTheWithOptionsThatFixThem() throws Exception {
        // A SQL user sets 'embedding.pooling', 'tokenizer' and 'engine': the fixes must not be command-line flags.
        ModelFiles builtin = ModelFiles.resolve(ModelFiles.BUILTIN_MINILM_INT8, null);
        Path weighted = Files.createDirectories(dir.resolve("weighted/1_Pooling"));
        Files.copy(builtin.onnx(), weighted.resolveSibling("model.onnx"));
        Files.copy(builtin.tokenizer(), weighted.resolveSibling("tokenizer.json"));
        Files.writeString(weighted.resolve("config.json"), "{\"pooling_mode_weightedmean_tokens\": true}");
        assertThatThrownBy(() -> sql(createModel(weighted.getParent(), ""), EMBED))
                .hasStackTraceContaining("choose one with 'embedding.pooling' (cls, mean, max, mean-sqrt-len, "
                        + "last-token)")
                .satisfies(e -> assertThat(ExceptionUtils.stringifyException(e)).doesNotContain("--pooling"));

        Path bare = Files.createDirectories(dir.resolve("bare")).resolve("model.onnx");
        Files.copy(builtin.onnx(), bare);
        assertThatThrownBy(() -> sql(createModel(bare, ""), EMBED))
                .hasStackTraceContaining("no tokenizer given for model '" + bare + "'")
                .hasStackTraceContaining("pass 'tokenizer' = 'PATH' to the model's tokenizer.json");

        // Planning has no GPU to ask, but what the model's files tell is checked there: TensorRT refuses the default.
        assertThatThrownBy(() -> sql("CREATE MODEL m INPUT (`text` STRING) OUTPUT (embedding ARRAY<FLOAT>) WITH ("
                + "'provider' = 'streamrt', 'engine' = 'tensorrt')", EMBED))
                .hasStackTraceContaining("ValidationException: model `m` (provider 'streamrt'): model "
                        + "'all-minilm-l6-v2-int8' uses dynamic quantization");

        Assumptions.assumeFalse(ServiceLoader.load(EngineProvider.class).stream().map(ServiceLoader.Provider::get)
                .anyMatch(p -> p.name().equals(EngineSpec.TENSORRT) && p.availability().available()),
                "TensorRT runs on this host: the 'engine' = 'tensorrt' failure is for hosts without a GPU");
        // The FP32 builtin, which TensorRT takes: planned, then refused where the engine opens (no GPU here).
        assertThatThrownBy(() -> sql("CREATE MODEL m INPUT (`text` STRING) OUTPUT (embedding ARRAY<FLOAT>) WITH ("
                + "'provider' = 'streamrt', 'model' = 'builtin:all-minilm-l6-v2', 'engine' = 'tensorrt')", EMBED))
                .hasStackTraceContaining("engine 'tensorrt' is not available here: ")
                .hasStackTraceContaining("; or use 'engine' = 'onnxruntime' or 'engine' = 'auto'")
                .satisfies(e -> assertThat(ExceptionUtils.stringifyException(e)).doesNotContain("--engine"));
    }

    private static final String EMBED = "SELECT embedding FROM ML_PREDICT(TABLE docs, MODEL m, DESCRIPTOR(`text`))";

    private static String createModel(Path model, String options) {
        return "CREATE MODEL m INPUT (`text` STRING) OUTPUT (embedding ARRAY<FLOAT>) WITH ('provider' = 'streamrt', "
                + "'model' = '" + model + "'" + options + ")";
    }

    @Test
    void aTokenClassifierFillsEntitiesWithGroupsWordsSpansAndScores() throws Exception {
        Path model = OwnModels.placeTagger(dir.resolve("tagger"));
        Map<String, InferenceOutput> expected = dataStream(model, 0, false);

        List<Row> rows = sql("CREATE MODEL m INPUT (`text` STRING) OUTPUT (entities ARRAY<ROW<entity_group STRING, "
                + "score DOUBLE, word STRING, `start` INT, `end` INT>>) WITH ('provider' = 'streamrt', 'model' = '"
                + model + "')", "SELECT `text`, entities FROM ML_PREDICT(TABLE docs, MODEL m, DESCRIPTOR(`text`))");

        int entities = 0;
        for (Row row : rows) {
            Row[] found = row.getFieldAs("entities");
            InferenceOutput.Entity[] want = expected.get(row.<String>getFieldAs("text")).getEntities();
            assertThat(found).hasSameSizeAs(want);
            for (int i = 0; i < found.length; i++) {
                assertThat(found[i].<String>getFieldAs("entity_group")).isEqualTo(want[i].getEntityGroup());
                assertThat(found[i].<String>getFieldAs("word")).isEqualTo(want[i].getWord());
                assertThat(found[i].<Integer>getFieldAs("start")).isEqualTo(want[i].getStart());
                assertThat(found[i].<Integer>getFieldAs("end")).isEqualTo(want[i].getEnd());
                assertThat(found[i].<Double>getFieldAs("score")).isCloseTo(want[i].getScore(), offset(1e-4));
            }
            entities += found.length;
        }
        assertThat(rows).hasSize(TEXTS.size());
        assertThat(entities).as("places tagged").isPositive();
    }

    @Test
    void aCrossEncoderTakesTheTextAndItsPairAsTwoInputColumns() throws Exception {
        Path model = OwnModels.classifier(dir.resolve("cross-encoder"), List.of("LABEL_0"), weights(1),
                new float[] {0.1f});
        Map<String, InferenceOutput> expected = dataStream(model, 0, true);

        List<Row> rows = sql("CREATE MODEL m INPUT (`text` STRING, passage STRING) OUTPUT (score DOUBLE) WITH ("
                + "'provider' = 'streamrt', 'model' = '" + model + "')", "SELECT `text`, score FROM ML_PREDICT("
                + "TABLE docs, MODEL m, DESCRIPTOR(`text`, passage))");

        assertThat(rows).hasSize(TEXTS.size()).allSatisfy(row -> assertThat(row.<Double>getFieldAs("score"))
                .isCloseTo(expected.get(row.<String>getFieldAs("text")).getScore(), offset(1e-4)));
    }

    /** Rows of {@code docs (text, passage)} through the statements, the last a query. */
    private static List<Row> sql(String createModel, String query) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        StreamTableEnvironment tables = StreamTableEnvironment.create(env);
        List<Row> docs = new ArrayList<>();
        for (int i = 0; i < TEXTS.size(); i++) {
            docs.add(Row.of(TEXTS.get(i), PASSAGES.get(i % PASSAGES.size())));
        }
        tables.createTemporaryView("docs", tables.fromValues(DataTypes.ROW(DataTypes.FIELD("text", DataTypes.STRING()),
                DataTypes.FIELD("passage", DataTypes.STRING())), docs));
        tables.executeSql(createModel);
        List<Row> rows = new ArrayList<>();
        try (CloseableIterator<Row> it = tables.executeSql(query).collect()) {
            it.forEachRemaining(rows::add);
        }
        return rows;
    }

    /** The DataStream operator's output for each text (paired with its passage when {@code pairs}). */
    private static Map<String, InferenceOutput> dataStream(Path model, int topK, boolean pairs) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        StreamInference.Builder<String[]> builder = StreamInference.builder(
                (SerializableFunction<String[], String>) doc -> doc[0]).model(model.toString()).topK(topK);
        if (pairs) {
            builder.textPair(doc -> doc[1]);
        }
        String[][] docs = new String[TEXTS.size()][];
        for (int i = 0; i < docs.length; i++) {
            docs[i] = new String[] {TEXTS.get(i), PASSAGES.get(i % PASSAGES.size())};
        }
        Map<String, InferenceOutput> byText = new HashMap<>();
        try (CloseableIterator<InferenceResult<String[]>> it = builder.build()
                .apply(env.fromData(Types.OBJECT_ARRAY(Types.STRING), docs)).collectAsync()) {
            env.execute("DataStream reference");
            it.forEachRemaining(r -> byText.put(r.getInput()[0], r.getOutput()));
        }
        return byText;
    }

    private static float[][] weights(int labels) {
        float[][] weights = new float[384][labels];
        for (int d = 0; d < 384; d++) {
            for (int k = 0; k < labels; k++) {
                weights[d][k] = (float) Math.sin(d * (k + 1)) * 0.5f;
            }
        }
        return weights;
    }
}
