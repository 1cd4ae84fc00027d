package io.streamrt.operators.sql.internal;

import io.streamrt.engine.task.Task;
import io.streamrt.operators.InferenceResult;
import io.streamrt.operators.StreamInference;
import io.streamrt.operators.TaskOutputs;
import io.streamrt.serde.InferenceOutput;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.apache.flink.annotation.Internal;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.catalog.Column;
import org.apache.flink.table.catalog.ResolvedSchema;
import org.apache.flink.table.data.GenericArrayData;
import org.apache.flink.table.data.GenericMapData;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.types.DataType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.LogicalTypeFamily;
import org.apache.flink.table.types.logical.RowType;

/**
 * A {@code streamrt} model's OUTPUT columns, matched by name to what its task gives, and the conversion of one
 * inference result into the row of those columns.
 *
 * <pre>{@code
 * PredictionColumns columns = PredictionColumns.of(model.getResolvedOutputSchema());   // throws at planning
 * RowData row = columns.row(result);
 * }</pre>
 */
@Internal
public final class PredictionColumns implements Serializable {

    private static final long serialVersionUID = 1L;

    /** A column a model can fill: its name, its type, and the operator's output field behind it (or null). */
    enum Kind {
        EMBEDDING("embedding", DataTypes.ARRAY(DataTypes.FLOAT())),
        LABEL("label", DataTypes.STRING()),
        SCORE("score", DataTypes.DOUBLE()),
        SCORES("scores", DataTypes.MAP(DataTypes.STRING(), DataTypes.DOUBLE())),
        ENTITIES("entities", DataTypes.ARRAY(DataTypes.ROW(
                DataTypes.FIELD("entity_group", DataTypes.STRING()),
                DataTypes.FIELD("score", DataTypes.DOUBLE()),
                DataTypes.FIELD("word", DataTypes.STRING()),
                DataTypes.FIELD("start", DataTypes.INT()),
                DataTypes.FIELD("end", DataTypes.INT())))),
        BATCH_SIZE("batch_size", DataTypes.INT()),
        QUEUE_MS("queue_ms", DataTypes.DOUBLE()),
        INFER_MS("infer_ms", DataTypes.DOUBLE()),
        ENGINE("engine", DataTypes.STRING()),
        MODEL("model", DataTypes.STRING()),
        /** Why a row has no results (on-failure DEAD_LETTER); NULL on success. */
        ERROR("error", DataTypes.STRING()),
        /** 'chunk.output' = 'rows': which window of its text the row is, where it starts and ends; else NULL. */
        CHUNK_INDEX("chunk_index", DataTypes.INT()),
        CHUNK_START("chunk_start", DataTypes.INT()),
        CHUNK_END("chunk_end", DataTypes.INT());

        final String column;
        final DataType type;
        /**
         * The operator's output field of the same name, or null for {@code error} (a failure's, not a field) and the
         * {@code chunk_*} columns (a window's place, not a field).
         */
        final String field;

        Kind(String column, DataType type) {
            this.column = column;
            this.type = type;
            this.field = column.equals("error") || column.startsWith("chunk_") ? null : column;
        }

        static Optional<Kind> named(String name) {
            return Arrays.stream(values()).filter(k -> k.column.equalsIgnoreCase(name)).findFirst();
        }

        String declaration() {
            return "`" + column + "` " + type.getLogicalType().asSummaryString().replace(" NOT NULL", "");
        }
    }

    private final List<Kind> columns;

    private PredictionColumns(List<Kind> columns) {
        this.columns = List.copyOf(columns);
    }

    /**
     * Matches OUTPUT columns to what a model can fill, by name (case-insensitive) and type (nullability aside).
     *
     * @throws ValidationException naming the unknown column or the wrong type, and every column a model can fill
     */
    public static PredictionColumns of(String model, ResolvedSchema output) {
        List<Kind> kinds = new ArrayList<>();
        for (Column column : output.getColumns()) {
            Kind kind = Kind.named(column.getName()).orElseThrow(() -> new ValidationException("model " + model
                    + ": OUTPUT column `" + column.getName() + "` is not one a streamrt model fills; it fills "
                    + Arrays.stream(Kind.values()).map(Kind::declaration).collect(Collectors.joining(", "))
                    + " (which of them, the model's task decides)"));
            if (!sameType(column.getDataType().getLogicalType(), kind.type.getLogicalType())) {
                throw new ValidationException("model " + model + ": OUTPUT column `" + column.getName() + "` is "
                        + column.getDataType().getLogicalType().asSummaryString() + ", but a streamrt model fills it as "
                        + kind.declaration() + ": declare it so");
            }
            if (kinds.contains(kind)) {
                throw new ValidationException("model " + model + ": OUTPUT column `" + kind.column + "` appears twice");
            }
            kinds.add(kind);
        }
        return new PredictionColumns(kinds);
    }

    /** The operator's output fields behind these columns: what the inference must compute. */
    public String outputFields() {
        return columns.stream().map(k -> k.field).filter(f -> f != null).collect(Collectors.joining(","));
    }

    /** Whether there is an {@code error} column, which on-failure DEAD_LETTER needs. */
    public boolean hasErrorColumn() {
        return columns.contains(Kind.ERROR);
    }

    /**
     * The columns a task cannot fill: empty when it fills them all.
     *
     * @param zeroShotLabels whether the model has zero-shot labels
     * @param topK the classification top-k
     */
    public List<String> notFilledBy(Task task, boolean zeroShotLabels, int topK) {
        List<String> given = TaskOutputs.given(task, zeroShotLabels, topK);
        return columns.stream().filter(k -> k.field != null && !given.contains(k.field)).map(k -> k.column).toList();
    }

    /** Says which columns the task cannot fill, which it can, and how to get the rest. */
    public String notFilledMessage(String model, Task task, boolean zeroShotLabels, int topK) {
        List<String> given = new ArrayList<>(TaskOutputs.given(task, zeroShotLabels, topK));
        given.add(Kind.ERROR.column);
        String hint = task == Task.EMBEDDING && !zeroShotLabels ? " (an embedding model fills label and score with "
                + "zero-shot labels: 'labels' = 'a;b;c')"
                : task == Task.CLASSIFICATION && topK == 0 ? " (scores needs 'classification.top-k')" : "";
        return "model " + model + " runs the " + task.id() + " task, which cannot fill OUTPUT column(s) "
                + notFilledBy(task, zeroShotLabels, topK) + "; it fills " + String.join(", ", given) + hint;
    }

    /**
     * The row of these columns for one result; a failed result has NULL results and, in {@code error}, its
     * dead-letter reason code and message ({@code text-empty: INPUT column `text` is NULL ...}).
     */
    public RowData row(InferenceResult<?> result) {
        GenericRowData row = new GenericRowData(columns.size());
        InferenceOutput output = result.getOutput();
        for (int i = 0; i < columns.size(); i++) {
            Kind kind = columns.get(i);
            if (!result.isSuccess()) {
                row.setField(i, kind == Kind.ERROR ? StringData.fromString(result.getFailureReason().code() + ": "
                        + result.getFailureMessage()) : null);
                continue;
            }
            row.setField(i, switch (kind) {
                case EMBEDDING -> output.getEmbedding() == null ? null : new GenericArrayData(output.getEmbedding());
                case LABEL -> string(output.getLabel());
                case SCORE -> output.getLabel() == null ? null : (double) output.getScore();
                case SCORES -> scores(output);
                case ENTITIES -> entities(output.getEntities());
                case BATCH_SIZE -> output.getBatchSize();
                case QUEUE_MS -> output.getQueueMs();
                case INFER_MS -> output.getInferMs();
                case ENGINE -> string(output.getEngine());
                case MODEL -> string(output.getModel());
                case ERROR -> null;
                case CHUNK_INDEX -> output.getChunk() == null ? null : output.getChunk().getIndex();
                case CHUNK_START -> output.getChunk() == null ? null : output.getChunk().getStart();
                case CHUNK_END -> output.getChunk() == null ? null : output.getChunk().getEnd();
            });
        }
        return row;
    }

    private static StringData string(String value) {
        return value == null ? null : StringData.fromString(value);
    }

    private static GenericMapData scores(InferenceOutput output) {
        if (output.getScoreLabels() == null) {
            return null;
        }
        Map<StringData, Double> scores = new LinkedHashMap<>();
        for (int i = 0; i < output.getScoreLabels().length; i++) {
            scores.put(StringData.fromString(output.getScoreLabels()[i]), output.getScoreValues()[i]);
        }
        return new GenericMapData(scores);
    }

    private static GenericArrayData entities(InferenceOutput.Entity[] entities) {
        if (entities == null) {
            return null;
        }
        Object[] rows = new Object[entities.length];
        for (int i = 0; i < entities.length; i++) {
            InferenceOutput.Entity e = entities[i];
            rows[i] = GenericRowData.of(StringData.fromString(e.getEntityGroup()), e.getScore(),
                    StringData.fromString(e.getWord()), e.getStart(), e.getEnd());
        }
        return new GenericArrayData(rows);
    }

    /** Same type root all the way down (ROW field names too), nullability and string lengths aside. */
    private static boolean sameType(LogicalType declared, LogicalType filled) {
        if (filled.is(LogicalTypeFamily.CHARACTER_STRING)) {
            return declared.is(LogicalTypeFamily.CHARACTER_STRING);
        }
        if (declared.getTypeRoot() != filled.getTypeRoot()
                || declared.getChildren().size() != filled.getChildren().size()) {
            return false;
        }
        if (filled instanceof RowType filledRow) {
            List<String> names = ((RowType) declared).getFieldNames();
            for (int i = 0; i < names.size(); i++) {
                if (!names.get(i).equalsIgnoreCase(filledRow.getFieldNames().get(i))) {
                    return false;
                }
            }
        }
        for (int i = 0; i < filled.getChildren().size(); i++) {
            if (!sameType(declared.getChildren().get(i), filled.getChildren().get(i))) {
                return false;
            }
        }
        return true;
    }
}
