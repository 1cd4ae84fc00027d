package io.streamrt.jobs.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamrt.engine.onnx.ModelReport;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code model inspect}: what is in an ONNX model, as text or JSON: opset, IR version, producer, inputs and
 * outputs with their shapes, operator counts, parameters, quantization style, and every MatMul/Gemm weight with its
 * share of 2:4-compliant groups of 4.
 *
 * <pre>{@code
 * java -jar jobs/target/streamrt-jobs.jar model inspect model.onnx
 * java -jar jobs/target/streamrt-jobs.jar model inspect model.onnx --json | jq '.weights[].sparsity_2_4'
 * }</pre>
 */
@Command(name = "inspect", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Prints an ONNX model's opset, IR version, producer, inputs and outputs, operator counts, "
                + "parameters, quantization (none, dynamic, qdq, qoperator) and each MatMul/Gemm weight's shape, "
                + "type and share of 2:4-compliant groups of 4; for a model with its tokenizer (an export "
                + "directory, a builtin) also what enrich would do with it: task, pooling, labels, inputs.")
public final class InspectCommand implements Callable<Integer> {

    private static final int WRAP_COLUMNS = 100;
    private static final String INDENT = "              ";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL",
            description = "A Hugging Face export directory, an .onnx file, or builtin:all-minilm-l6-v2 / "
                    + "builtin:all-minilm-l6-v2-int8.")
    String model;

    @Option(names = "--json", description = "Print JSON instead of text: opset, ir_version, producer, inputs, "
            + "outputs, op_counts, parameters, parameter_bytes, quantization, weights (name, op, shape, dtype, "
            + "sparsity_2_4), and task (task, output, pooling, normalize, labels, activation, aggregation, inputs, "
            + "config_files; or error) where the model has a tokenizer.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        ModelSource source = ModelSource.of(model);
        ModelReport report = source.read().inspect();
        TaskReport task = TaskReport.of(source);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            ObjectNode root = toJson(report);
            if (task != null) {
                root.set("task", task.toJson());
            }
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(root));
        } else {
            out.print(text(report));
            if (task != null) {
                out.print(task.text());
            }
        }
        out.flush();
        return 0;
    }

    /** The report as JSON; field names are the contract scripts read. */
    static ObjectNode toJson(ModelReport report) {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode root = mapper.createObjectNode();
        root.put("source", report.source());
        root.put("ir_version", report.irVersion());
        root.put("opset", report.opset());
        ObjectNode opsets = root.putObject("opsets");
        report.opsets().forEach((domain, version) -> opsets.put(domain.isEmpty() ? "ai.onnx" : domain, version));
        root.put("producer", report.producer());
        values(root.putArray("inputs"), report.inputs());
        values(root.putArray("outputs"), report.outputs());
        ObjectNode ops = root.putObject("op_counts");
        report.opCounts().forEach(ops::put);
        root.put("parameters", report.parameters());
        root.put("parameter_bytes", report.parameterBytes());
        root.put("quantization", report.quantization().label());
        ArrayNode weights = root.putArray("weights");
        for (ModelReport.Weight weight : report.weights()) {
            ObjectNode w = weights.addObject();
            w.put("name", weight.name());
            w.put("op", weight.op());
            ArrayNode shape = w.putArray("shape");
            weight.shape().forEach(shape::add);
            w.put("dtype", weight.dtype());
            w.put("sparsity_2_4", weight.sparsity24());
            w.put("groups_of_4", weight.groups());
            w.put("reduction_axis", weight.reductionAxis());
        }
        return root;
    }

    private static void values(ArrayNode array, List<ModelReport.Value> values) {
        for (ModelReport.Value value : values) {
            ObjectNode v = array.addObject();
            v.put("name", value.name());
            v.put("dtype", value.dtype());
            ArrayNode shape = v.putArray("shape");
            // Fixed dimensions as numbers, symbolic ones by name.
            for (String dim : value.shape()) {
                if (dim.matches("\\d+")) {
                    shape.add(Long.parseLong(dim));
                } else {
                    shape.add(dim);
                }
            }
        }
    }

    /** The report as aligned text, one weight per line. */
    static String text(ModelReport report) {
        StringBuilder sb = new StringBuilder();
        row(sb, "Model", report.source());
        row(sb, "IR version", Long.toString(report.irVersion()));
        List<String> otherOpsets = new ArrayList<>();
        report.opsets().forEach((domain, version) -> {
            if (!domain.isEmpty() && !"ai.onnx".equals(domain)) {
                otherOpsets.add(domain + " " + version);
            }
        });
        row(sb, "Opset", report.opset() + (otherOpsets.isEmpty() ? "" : " (also " + String.join(", ", otherOpsets)
                + ")"));
        row(sb, "Producer", report.producer().isEmpty() ? "(not recorded)" : report.producer());
        valueRows(sb, "Inputs", report.inputs());
        valueRows(sb, "Outputs", report.outputs());
        int nodes = report.opCounts().values().stream().mapToInt(Integer::intValue).sum();
        List<String> ops = new ArrayList<>();
        for (Map.Entry<String, Integer> e : report.opCounts().entrySet()) {
            ops.add(e.getKey() + " " + e.getValue());
        }
        row(sb, "Operators", wrap(nodes + " nodes: " + String.join(", ", ops)));
        row(sb, "Parameters", String.format(Locale.ROOT, "%,d (%s)", report.parameters(),
                bytes(report.parameterBytes())));
        row(sb, "Quantization", report.quantization().label());
        row(sb, "Weights", report.weights().size() + " MatMul/Gemm weights; 2:4 = share of groups of 4 along the "
                + "reduction axis with at most 2 non-zeros");
        int nameWidth = report.weights().stream().mapToInt(w -> w.name().length()).max().orElse(0);
        int shapeWidth = report.weights().stream().mapToInt(w -> w.shape().toString().length()).max().orElse(0);
        int opWidth = report.weights().stream().mapToInt(w -> w.op().length()).max().orElse(0);
        for (ModelReport.Weight w : report.weights()) {
            sb.append(String.format(Locale.ROOT, "  %-" + nameWidth + "s  %-" + opWidth + "s  %-" + shapeWidth
                    + "s  %-7s  2:4 %5.1f%%%n", w.name(), w.op(), w.shape(), w.dtype(), 100 * w.sparsity24()));
        }
        return sb.toString();
    }

    private static void valueRows(StringBuilder sb, String label, List<ModelReport.Value> values) {
        if (values.isEmpty()) {
            row(sb, label, "(none)");
        }
        for (int i = 0; i < values.size(); i++) {
            ModelReport.Value v = values.get(i);
            row(sb, i == 0 ? label : "", v.name() + "  " + v.dtype() + " " + v.shape());
        }
    }

    static void row(StringBuilder sb, String label, String value) {
        sb.append(String.format(Locale.ROOT, "%-" + INDENT.length() + "s%s%n", label, value));
    }

    /** Breaks a long comma-separated list into lines that line up under the value column. */
    private static String wrap(String list) {
        StringBuilder sb = new StringBuilder();
        int column = 0;
        for (String part : list.split("(?<=, )")) {
            if (column > 0 && column + part.length() > WRAP_COLUMNS - INDENT.length()) {
                sb.setLength(sb.length() - 1);
                sb.append(System.lineSeparator()).append(INDENT);
                column = 0;
            }
            sb.append(part);
            column += part.length();
        }
        return sb.toString();
    }

    static String bytes(long bytes) {
        return bytes >= 1 << 20 ? String.format(Locale.ROOT, "%.1f MiB", bytes / (double) (1 << 20))
                : bytes >= 1 << 10 ? String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0) : bytes + " bytes";
    }
}
