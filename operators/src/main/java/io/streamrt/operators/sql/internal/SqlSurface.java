package io.streamrt.operators.sql.internal;

import io.streamrt.engine.Setting;
import io.streamrt.engine.SettingText;
import io.streamrt.engine.task.Task;
import io.streamrt.operators.internal.Surface;
import io.streamrt.serde.OutputFields;
import org.apache.flink.annotation.Internal;

/**
 * A SQL model's words: its INPUT columns, its OUTPUT columns and its WITH options, for the checks at planning and
 * the same checks (and failed rows) on the TaskManagers.
 *
 * @param model the model as errors name it (e.g. {@code `topics` (provider 'streamrt')})
 * @param text the INPUT column of the text
 * @param pair the INPUT column of a cross-encoder's second text, or null
 * @param columns the OUTPUT columns
 */
@Internal
public record SqlSurface(String model, String text, String pair, PredictionColumns columns) implements Surface {

    @Override
    public String emptyText(boolean pairText, boolean isNull) {
        return "INPUT column `" + (pairText ? pair : text) + "` is " + (isNull ? "NULL" : "blank");
    }

    @Override
    public SettingText.Writer options() {
        return SqlOptionWords.INSTANCE;
    }

    @Override
    public String anonymous() {
        return "a row";
    }

    @Override
    public String emptyTextRemedy() {
        return "filter such rows before ML_PREDICT, in a view it reads (WHERE " + present(text)
                + (pair == null ? "" : " AND " + present(pair)) + ")";
    }

    @Override
    public String labelsNeedEmbeddings(String ignored, Task task, String plan) {
        return "model " + model + ": zero-shot 'labels' work on embeddings, but the model runs the " + task.id()
                + " task (" + plan + "): drop 'labels', or set " + options().set(Setting.TASK, "embedding");
    }

    @Override
    public String notGiven(String ignored, OutputFields output, Task task, boolean zeroShotLabels, int topK) {
        return columns.notFilledMessage(model, task, zeroShotLabels, topK);
    }

    private static String present(String column) {
        return "`" + column + "` IS NOT NULL AND TRIM(`" + column + "`) <> ''";
    }
}
