package io.streamrt.jobs.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The panels of a Grafana dashboard JSON file and their Prometheus queries, read as Grafana reads them, with the
 * dashboard's variables replaced by the values a test gives, as Grafana replaces them before it queries.
 *
 * <pre>{@code
 * GrafanaDashboard dashboard = GrafanaDashboard.read(Path.of("docker/grafana/streamrt-dashboard.json"));
 * for (GrafanaDashboard.Panel panel : dashboard.panels()) {
 *     String promql = panel.targets().get(0).expr(Duration.ofSeconds(10), ".*");
 * }
 * }</pre>
 */
record GrafanaDashboard(JsonNode json, List<Panel> panels) {

    /** The query variable of the job names, whose value replaces {@code $job_name}. */
    static final String JOB_VARIABLE = "job_name";

    /** One query of a panel: Grafana's {@code refId}, the PromQL as written, its legend. */
    record Target(String refId, String expr, String legendFormat) {

        /** The PromQL Grafana sends: {@code $__rate_interval} and {@code $job_name} replaced. */
        String expr(Duration rateInterval, String jobName) {
            return expr.replace("$__rate_interval", rateInterval.toSeconds() + "s")
                    .replace("$" + JOB_VARIABLE, jobName);
        }

        /** The legend of one series: {@code {{label}}} replaced by the series' labels. */
        String legend(JsonNode labels) {
            Matcher m = Pattern.compile("\\{\\{\\s*(\\w+)\\s*}}").matcher(legendFormat);
            StringBuilder out = new StringBuilder();
            while (m.find()) {
                m.appendReplacement(out, Matcher.quoteReplacement(labels.path(m.group(1)).asText()));
            }
            return m.appendTail(out).toString();
        }
    }

    /**
     * One panel: its title, unit ({@code fieldConfig.defaults.unit}), queries, and the refIds that an override puts
     * on the right axis with a unit of their own.
     */
    record Panel(String title, String unit, List<Target> targets, Set<String> rightAxis, String rightUnit) {}

    static GrafanaDashboard read(Path file) throws IOException {
        JsonNode json = new ObjectMapper().readTree(file.toFile());
        List<Panel> panels = new ArrayList<>();
        for (JsonNode panel : json.path("panels")) {
            List<Target> targets = new ArrayList<>();
            for (JsonNode target : panel.path("targets")) {
                targets.add(new Target(target.path("refId").asText(), target.path("expr").asText(),
                        target.path("legendFormat").asText()));
            }
            Set<String> right = new java.util.TreeSet<>();
            String rightUnit = null;
            for (JsonNode override : panel.path("fieldConfig").path("overrides")) {
                boolean onRight = false;
                String unit = null;
                for (JsonNode property : override.path("properties")) {
                    onRight |= property.path("id").asText().equals("custom.axisPlacement")
                            && property.path("value").asText().equals("right");
                    if (property.path("id").asText().equals("unit")) {
                        unit = property.path("value").asText();
                    }
                }
                if (onRight && override.path("matcher").path("id").asText().equals("byFrameRefID")) {
                    right.add(override.path("matcher").path("options").asText());
                    rightUnit = unit;
                }
            }
            panels.add(new Panel(panel.path("title").asText(),
                    panel.path("fieldConfig").path("defaults").path("unit").asText(), List.copyOf(targets),
                    Set.copyOf(right), rightUnit));
        }
        return new GrafanaDashboard(json, List.copyOf(panels));
    }

    /** The metric that the job variable's {@code label_values(METRIC, job_name)} query lists the job names of. */
    String jobVariableMetric() {
        for (JsonNode variable : json.path("templating").path("list")) {
            if (variable.path("name").asText().equals(JOB_VARIABLE)) {
                Matcher m = Pattern.compile("label_values\\((\\w+),\\s*" + JOB_VARIABLE + "\\)")
                        .matcher(variable.path("definition").asText());
                if (m.matches()) {
                    return m.group(1);
                }
            }
        }
        throw new IllegalStateException("the dashboard has no variable " + JOB_VARIABLE
                + " defined as label_values(METRIC, " + JOB_VARIABLE + ")");
    }
}
