package io.streamrt.operators.internal;

import io.streamrt.engine.SettingText;
import io.streamrt.engine.task.Task;
import io.streamrt.operators.TaskOutputs;
import io.streamrt.serde.OutputFields;

/**
 * The words of the DataStream operator: extractor functions and, for the settings that fix a problem, the builder's
 * methods ({@link #BUILDER}, e.g. {@code engine("onnxruntime")}) or, for the enrich job, its flags
 * ({@link #COMMAND_LINE}, e.g. {@code --engine onnxruntime}).
 */
enum DataStreamSurface implements Surface {
    BUILDER(TaskOutputs.Words.BUILDER),
    COMMAND_LINE(TaskOutputs.Words.COMMAND_LINE);

    private final TaskOutputs.Words words;

    DataStreamSurface(TaskOutputs.Words words) {
        this.words = words;
    }

    @Override
    public String emptyText(boolean pair, boolean isNull) {
        return (pair ? "the text pair extractor" : "the text extractor") + " returned "
                + (isNull ? "null" : "a blank text");
    }

    @Override
    public SettingText.Writer options() {
        return words.options();
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
        return TaskOutputs.labelsNeedEmbeddings(model, task, plan, words);
    }

    @Override
    public String notGiven(String model, OutputFields output, Task task, boolean zeroShotLabels, int topK) {
        return "model '" + model + "': " + TaskOutputs.missingMessage(output, task, zeroShotLabels, topK, words);
    }
}
