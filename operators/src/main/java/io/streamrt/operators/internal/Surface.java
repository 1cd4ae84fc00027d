package io.streamrt.operators.internal;

import io.streamrt.engine.SettingText;
import io.streamrt.engine.task.Task;
import io.streamrt.serde.OutputFields;
import java.io.Serializable;
import org.apache.flink.annotation.Internal;

/**
 * The words of the API a user wrote, for the errors about their records and their model: the DataStream operator
 * ({@link #DATASTREAM}: extractor functions, {@code labels(...)}, {@code task(...)}), the {@code enrich} command
 * ({@link #COMMAND_LINE}: its flags) or a
 * SQL model (its INPUT and OUTPUT columns and WITH options). The rules are the operator's; only the words differ.
 *
 * <pre>{@code
 * if (!TaskOutputs.labelsFit(task, labels)) throw new IllegalArgumentException(surface.labelsNeedEmbeddings(...));
 * }</pre>
 */
@Internal
public interface Surface extends Serializable {

    /** The DataStream operator's words: its builder's methods. */
    Surface DATASTREAM = DataStreamSurface.BUILDER;

    /** The enrich command's words: its flags. */
    Surface COMMAND_LINE = DataStreamSurface.COMMAND_LINE;

    /** What is missing when a record's text (or its pair's, when {@code pair}) is null or blank. */
    String emptyText(boolean pair, boolean isNull);

    /** A record without a description of its own. */
    String anonymous();

    /** What to do about records without a text. */
    String emptyTextRemedy();

    /** Zero-shot labels were given to a model that is used for another task: why that fails and what to do. */
    String labelsNeedEmbeddings(String model, Task task, String plan);

    /** How the user sets the model and engine settings that model and engine errors name. */
    SettingText.Writer options();

    /** Results were asked for that {@code task} does not give: which, what it gives, how to get the rest. */
    String notGiven(String model, OutputFields output, Task task, boolean zeroShotLabels, int topK);
}
