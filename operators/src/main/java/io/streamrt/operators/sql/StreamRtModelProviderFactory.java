package io.streamrt.operators.sql;

import io.streamrt.engine.EngineRegistry;
import io.streamrt.engine.ModelFiles;
import io.streamrt.engine.task.Task;
import io.streamrt.engine.task.TaskPlan;
import io.streamrt.operators.ChunkOutput;
import io.streamrt.operators.FailurePolicy;
import io.streamrt.operators.InferenceOptions;
import io.streamrt.operators.InferenceSettings;
import io.streamrt.operators.OptionProblem;
import io.streamrt.operators.StreamInference;
import io.streamrt.operators.TaskOutputs;
import io.streamrt.operators.sql.internal.PredictionColumns;
import io.streamrt.operators.sql.internal.SqlSurface;
import io.streamrt.operators.sql.internal.StreamRtModelProvider;
import io.streamrt.serde.EmbeddingEncoding;
import io.streamrt.serde.OutputFields;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.catalog.Column;
import org.apache.flink.table.catalog.ResolvedCatalogModel;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.factories.FactoryUtil;
import org.apache.flink.table.factories.ModelProviderFactory;
import org.apache.flink.table.ml.ModelProvider;
import org.apache.flink.table.types.logical.LogicalTypeFamily;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code streamrt} model provider of Flink SQL: {@code ML_PREDICT} on a BERT-family model, batched across rows,
 * subtasks and jobs by the TaskManager's shared engine and batch scheduler, as the DataStream operator. Found through
 * {@code META-INF/services/org.apache.flink.table.factories.Factory}; on a cluster it is in {@code flink-lib}.
 *
 * <p>Everything that can be checked is checked when the statement is planned: the options ({@link ModelOptions},
 * with their ranges), the INPUT (one STRING, the text, or two, text and pair), the OUTPUT columns (matched by name to
 * what the model's task gives) and, where the model's files are on the planning machine, the task itself.
 *
 * <pre>{@code
 * CREATE MODEL embedder INPUT (text STRING) OUTPUT (embedding ARRAY<FLOAT>, batch_size INT)
 * WITH ('provider' = 'streamrt', 'model' = 'builtin:all-minilm-l6-v2-int8');
 * SELECT id, embedding FROM ML_PREDICT(TABLE docs, MODEL embedder, DESCRIPTOR(body));
 * }</pre>
 */
@PublicEvolving
public final class StreamRtModelProviderFactory implements ModelProviderFactory {

    public static final String IDENTIFIER = "streamrt";

    private static final Logger LOG = LoggerFactory.getLogger(StreamRtModelProviderFactory.class);

    @Override
    public String factoryIdentifier() {
        return IDENTIFIER;
    }

    @Override
    public Set<ConfigOption<?>> requiredOptions() {
        return Set.of();
    }

    @Override
    public Set<ConfigOption<?>> optionalOptions() {
        return ModelOptions.all();
    }

    @Override
    public ModelProvider createModelProvider(Context context) {
        FactoryUtil.ModelProviderFactoryHelper helper = FactoryUtil.createModelProviderFactoryHelper(this, context);
        helper.validate();
        String name = "`" + context.getObjectIdentifier().getObjectName() + "` (provider '" + IDENTIFIER + "')";
        ResolvedCatalogModel model = context.getCatalogModel();
        List<String> input = checkInput(name, model);
        PredictionColumns columns = PredictionColumns.of(name, model.getResolvedOutputSchema());
        SqlSurface surface = new SqlSurface(name, input.get(0), input.size() == 2 ? input.get(1) : null, columns);
        Configuration conf = ModelOptions.toInferenceOptions(helper.getOptions());
        String given = new TreeMap<>(model.getOptions()).toString();
        InferenceSettings settings = build(name, conf, given);
        if (settings.onFailure() == FailurePolicy.DEAD_LETTER && !columns.hasErrorColumn()) {
            throw new ValidationException("model " + name + ": 'on-failure' = 'DEAD_LETTER' emits a row that failed "
                    + "with NULL results and the reason in OUTPUT column `error` STRING: declare that column, or use "
                    + "'on-failure' = 'FAIL'");
        }
        if (settings.chunking().chunks() && settings.chunking().output() == ChunkOutput.CHUNKS) {
            throw new ValidationException("model " + name + ": 'chunk.output' = 'chunks' adds each window's results, "
                    + "which no OUTPUT column takes: use 'document' (the row's results from all its windows)");
        }
        if (settings.chunking().chunks() && input.size() == 2) {
            throw new ValidationException("model " + name + ": 'long-text' = 'chunk' cuts a single text into "
                    + "windows; a text pair (a cross-encoder's) is truncated: use 'long-text' = 'truncate'");
        }
        TaskPlan plan = settings.task().task() != null ? null : detectTask(name, settings, surface);
        Task task = plan != null ? plan.task() : settings.task().task();
        if (task != null) {
            boolean labels = !settings.labels().isEmpty();
            if (!TaskOutputs.labelsFit(task, labels)) {
                throw new ValidationException(surface.labelsNeedEmbeddings(name, task,
                        plan != null ? plan.describe(surface.options()) : "'task' = '" + task.id() + "'"));
            }
            if (!columns.notFilledBy(task, labels, settings.topK()).isEmpty()) {
                throw new ValidationException(surface.notGiven(name, null, task, labels, settings.topK()));
            }
        }
        return new StreamRtModelProvider(settings.withOutput(OutputFields.parse(columns.outputFields(),
                EmbeddingEncoding.JSON)), surface, columns);
    }

    /** The INPUT's column names: one STRING (the text) or two (text, pair); says so otherwise. */
    private static List<String> checkInput(String name, ResolvedCatalogModel model) {
        List<Column> input = model.getResolvedInputSchema().getColumns();
        boolean strings = input.stream().allMatch(c -> c.getDataType().getLogicalType()
                .is(LogicalTypeFamily.CHARACTER_STRING));
        if (input.isEmpty() || input.size() > 2 || !strings) {
            throw new ValidationException("model " + name + ": INPUT must be one STRING column (the text) or two "
                    + "(the text and its pair, for a cross-encoder), found " + input.stream().map(Column::toString)
                    .toList());
        }
        return input.stream().map(Column::getName).toList();
    }

    /** The operator's settings, checked by the operator's rules and named by the model's WITH keys. */
    private static InferenceSettings build(String name, Configuration conf, String given) {
        OptionProblem.first(conf).ifPresent(problem -> {
            throw new ValidationException("model " + name + ": '" + InferenceOptions.definition(problem.option())
                    .name() + "': " + problem.message() + " (options given: " + given + ")");
        });
        try {
            return StreamInference.<RowData>builder(row -> null).configure(conf).build().settings();
        } catch (IllegalArgumentException e) {
            throw new ValidationException("model " + name + ": " + e.getMessage() + " (options given: " + given + ")",
                    e);
        }
    }

    /**
     * The task the model will run (and how), decided from its files as the operator decides it; null when the files
     * are not on this machine (a path only the TaskManagers have): then the TaskManagers check the columns on open.
     */
    private static TaskPlan detectTask(String name, InferenceSettings settings, SqlSurface surface) {
        String model = settings.engine().model();
        if (!model.startsWith(ModelFiles.BUILTIN_PREFIX) && !Files.exists(Path.of(model))) {
            LOG.info("Model {}: {} is not on this machine; its task and OUTPUT columns are checked where it runs",
                    name, model);
            return null;
        }
        // The engine is the TaskManagers' business: planning (in a SQL client, on a JobManager) has no GPU to ask.
        // The model is checked against the engine asked for from its files, and its task decided as any engine does.
        try {
            return EngineRegistry.shared().checkForCluster(settings.engine(), settings.task()).plan();
        } catch (RuntimeException e) {
            throw new ValidationException("model " + name + ": " + surface.options().messageOf(e), e);
        }
    }
}
