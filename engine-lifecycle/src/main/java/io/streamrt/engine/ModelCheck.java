package io.streamrt.engine;

import io.streamrt.engine.onnx.ModelSignature;
import io.streamrt.engine.task.ModelConfig;
import io.streamrt.engine.task.TaskPlan;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

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

    /**
     * Checks {@code model} as {@code provider} would run it: the provider's own model checks, the encoder inputs and
     * outputs, the config files, the task plan.
     *
     * @param backend what {@link #backend()} says
     */
    static ModelCheck of(EngineProvider provider, ModelFiles model, TaskPlan.Choices choices, String backend) {
        provider.checkModel(model);
        EncoderContract.Checked contract = EncoderContract.check(model.name(), ModelSignature.read(model.onnx()),
                Set.of("int64", "int32"));
        ModelConfig config = ModelConfig.read(model);
        TaskPlan plan = TaskPlan.plan(model.name(), config, contract.outputs(), choices);
        return new ModelCheck(backend, model, config, contract.inputs(), plan);
    }

    /** One line per fact: model files, config files, engine, inputs, task and its settings. */
    public String describe() {
        return describe(null);
    }

    /** As {@link #describe()}, the settings the user chose named in {@code writer}'s words (null: no surface's). */
    public String describe(SettingText.Writer writer) {
        List<String> lines = new ArrayList<>();
        lines.add("model " + model.name() + ": " + model.onnx() + ", tokenizer " + model.tokenizer());
        lines.add("config files " + (model.builtin() ? "none (a builtin: StreamRT knows it)"
                : config.files().isEmpty() ? "none found in " + model.root() : config.files() + " in " + model.root()));
        lines.add("engine " + backend);
        lines.add("inputs " + inputs);
        lines.add(writer == null ? plan.describe() : plan.describe(writer));
        return String.join("\n", lines);
    }
}
