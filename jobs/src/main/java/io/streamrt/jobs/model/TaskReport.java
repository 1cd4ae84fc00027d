package io.streamrt.jobs.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamrt.engine.EngineRegistry;
import io.streamrt.engine.EngineSpec;
import io.streamrt.engine.ModelCheck;
import io.streamrt.engine.ModelRejectedException;
import io.streamrt.engine.onnx.ModelSignature;
import io.streamrt.engine.onnx.OnnxModel;
import io.streamrt.engine.task.Task;
import io.streamrt.engine.task.TaskPlan;
import io.streamrt.jobs.StreamRtCli;
import java.util.Map;

/**
 * What {@code enrich} would do with a model, for {@code model inspect}: the task detected from its config files and
 * outputs, the pooling, labels and inputs; or why it cannot serve it.
 *
 * <pre>{@code
 * TaskReport report = TaskReport.of(ModelSource.of("path/to/export"));   // null for a bare .onnx file
 * out.print(report.text());
 * }</pre>
 *
 * @param check what was found and decided; null when the model was refused
 * @param error why the model was refused; null when it was not
 */
record TaskReport(ModelCheck check, String error) {

    /** The report of a model with a tokenizer; null for a bare .onnx file (its task depends on its tokenizer). */
    static TaskReport of(ModelSource source) {
        if (source.files() == null) {
            return null;
        }
        try {
            return new TaskReport(EngineRegistry.shared().check(new EngineSpec(source.reference(), null,
                    "onnxruntime", 0, 1, 128, 0), TaskPlan.Choices.detect()), null);
        } catch (ModelRejectedException e) {
            return new TaskReport(null, StreamRtCli.FLAGS.messageOf(e));
        }
    }

    /**
     * The weight of a classifier's head (the MatMul/Gemm behind its logits), which the tools keep as trained, with
     * the reason they list it under; empty for a bare .onnx file, an embedding model, a refused one, or a head they
     * cannot find.
     */
    static Map<String, String> keptHead(ModelSource source, OnnxModel model) {
        TaskReport report = of(source);
        if (report == null || report.check == null || report.check.plan().task() == Task.EMBEDDING) {
            return Map.of();
        }
        TaskPlan plan = report.check.plan();
        String head = model.headWeight(plan.output());
        return head == null ? Map.of() : Map.of(head, "the model's " + plan.task().id() + " head (feeds "
                + plan.output() + "): kept as trained");
    }

    /** Aligned rows under the report's: Task, Inputs fed, Config files. */
    String text() {
        StringBuilder sb = new StringBuilder();
        if (check == null) {
            InspectCommand.row(sb, "Task", "none StreamRT can serve: " + error);
            return sb.toString();
        }
        TaskPlan plan = check.plan();
        InspectCommand.row(sb, "Task", plan.task().id() + " (" + plan.describe(StreamRtCli.FLAGS) + ")");
        if (!plan.labels().isEmpty()) {
            InspectCommand.row(sb, "Labels", plan.labels().size() + ": " + String.join(", ", plan.labels()));
        }
        InspectCommand.row(sb, "Fed inputs", check.inputs().toString());
        InspectCommand.row(sb, "Config files", check.config().files().isEmpty() ? "none"
                : String.join(", ", check.config().files()));
        InspectCommand.row(sb, "Tokenizer", check.model().tokenizer().toString());
        return sb.toString();
    }

    /** The {@code task} object of {@code inspect --json}. */
    ObjectNode toJson() {
        ObjectNode node = new ObjectMapper().createObjectNode();
        if (check == null) {
            node.putNull("task");
            node.put("error", error);
            return node;
        }
        TaskPlan plan = check.plan();
        node.put("task", plan.task().id());
        node.put("output", plan.output());
        if (plan.pooling() == null) {
            node.putNull("pooling");
        } else {
            node.put("pooling", plan.pooling().id());
        }
        node.put("normalize", plan.normalize());
        ArrayNode labels = node.putArray("labels");
        plan.labels().forEach(labels::add);
        node.put("activation", plan.activation() == null ? null : plan.activation().name().toLowerCase(java.util.Locale.ROOT));
        node.put("aggregation", plan.aggregation() == null ? null : plan.aggregation().id());
        ArrayNode inputs = node.putArray("inputs");
        for (ModelSignature.Tensor input : check.inputs()) {
            inputs.addObject().put("name", input.name()).put("dtype", input.type());
        }
        ArrayNode files = node.putArray("config_files");
        check.config().files().forEach(files::add);
        node.put("tokenizer", check.model().tokenizer().toString());
        node.put("decisions", plan.describe(StreamRtCli.FLAGS));
        return node;
    }
}
