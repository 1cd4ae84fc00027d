package io.streamrt.operators.internal;

import io.streamrt.engine.OptionWords;
import io.streamrt.engine.task.Task;
import io.streamrt.operators.StreamInference;
import io.streamrt.serde.OutputFields;

/** {@link Surface#DATASTREAM}: extractor functions and the enrich command's flags. */
enum DataStreamSurface implements Surface {
    INSTANCE;

    @Override
    public String emptyText(boolean pair, boolean isNull) {
        return (pair ? "the text pair extractor" : "the text extractor") + " returned "
                + (isNull ? "null" : "a blank text");
    }

    @Override
    public OptionWords options() {
        return OptionWords.COMMAND_LINE;
    }

    @Override
    public String anonymous() {
        return "a record";
    }

    @Override
    public String emptyTextRemedy() {
        return "filter such records before the inference operator";
    }

    @Override
    public String labelsNeedEmbeddings(String model, Task task, String plan) {
        return "zero-shot labels (--labels) work on embeddings, but model '" + model + "' is used for " + task.id()
                + " (" + plan + "): drop the labels, or pass " + options().set(OptionWords.Option.TASK, "embedding");
    }

    @Override
    public String notGiven(String model, OutputFields output, Task task, boolean zeroShotLabels, int topK) {
        return "model '" + model + "': " + StreamInference.missingFieldsMessage(output, task, zeroShotLabels, topK);
    }
}
