package io.streamrt.engine;

import io.streamrt.engine.onnx.ModelSignature;
import io.streamrt.engine.task.ModelConfig;
import io.streamrt.engine.task.TaskPlan;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@link EngineRegistry#check(EngineSpec, TaskPlan.Choices)} found and decided for a model, without building an
 * engine: the files, the backend, the inputs the engine will feed, and the task. What a job's submitter prints before
 * it starts anything.
 *
 * <pre>{@code
 * ModelCheck check = EngineRegistry.shared().check(spec, TaskPlan.Choices.detect());
 * System.out.println(check.describe());
 * }</pre>
 *
 * @param backend the engine {@link EngineRegistry#acquire} would use, e.g. {@code onnxruntime}; from
 *     {@link EngineRegistry#checkForCluster}, the engine asked for and where it is decided
 * @param model the model's files
 * @param config what its config files say
 * @param inputs the inputs the engine will feed, with their types
 * @param plan the task and its settings
 */
public record ModelCheck(String backend, ModelFiles model, ModelConfig config, List<ModelSignature.Tensor> inputs,
        TaskPlan plan) {

    public ModelCheck {
        inputs = List.copyOf(inputs);
    }

    /** One line per fact: model files, config files, engine, inputs, task and its settings. */
    public String describe() {
        List<String> lines = new ArrayList<>();
        lines.add("model " + model.name() + ": " + model.onnx() + ", tokenizer " + model.tokenizer());
        lines.add("config files " + (model.builtin() ? "none (a builtin: StreamRT knows it)"
                : config.files().isEmpty() ? "none found in " + model.root() : config.files() + " in " + model.root()));
        lines.add("engine " + backend);
        lines.add("inputs " + inputs);
        lines.add(plan.describe());
        return String.join("\n", lines);
    }
}
