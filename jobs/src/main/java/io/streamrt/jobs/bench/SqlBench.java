package io.streamrt.jobs.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamrt.jobs.enrich.EnrichConfig;
import io.streamrt.operators.sql.ModelOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * The SQL path against the DataStream operator: the adaptive enrich job's maximum throughput, then the same records
 * through {@code ML_PREDICT} on a {@code streamrt} model with Flink's default of 10 rows in flight per subtask and
 * with the operator's capacity, in one run, on the same topics' shape and the same engine settings.
 *
 * <pre>{@code
 * SqlBench.Report report = SqlBench.run(pipeline, List.of(10, 256), what -> {}, point -> {});
 * System.out.println(report.markdown());
 * }</pre>
 */
final class SqlBench {

    /** Flink's own default of {@code max-concurrent-operations} ({@code table.exec.async-ml-predict}). */
    static final int FLINK_DEFAULT_CONCURRENCY = 10;

    private SqlBench() {}

    /**
     * One path's run.
     *
     * @param path {@code datastream}, or {@code sql} with its concurrency
     * @param maxConcurrentOperations rows in flight per subtask (the DataStream operator's capacity for it)
     */
    record Point(String path, int maxConcurrentOperations, PipelineBench.MaxResult max) {}

    /** @param points in run order, the DataStream operator first */
    record Report(List<Point> points) {

        String markdown() {
            double dataStream = points.get(0).max().recordsPerS();
            StringBuilder md = new StringBuilder("SQL (ML_PREDICT on a streamrt model) against the DataStream operator "
                    + "(adaptive, maximum throughput, same records):\n\n| path | rows in flight per subtask | "
                    + "records/s | vs DataStream | mean batch |\n|---|---:|---:|---:|---:|\n");
            for (Point p : points) {
                md.append(String.format(Locale.ROOT, "| %s | %d | %.1f | %.2fx | %.1f |%n", p.path(),
                        p.maxConcurrentOperations(), p.max().recordsPerS(), p.max().recordsPerS() / dataStream,
                        p.max().batches().meanBatchSize()));
            }
            return md.toString();
        }

        /** {@code {"paths": [{"path", "max_concurrent_operations", "records_per_s", "mean_batch_size"}]}}. */
        void write(Path file, String date, String machine, String model) throws IOException {
            ObjectNode root = BenchJson.root(date, machine, model);
            ArrayNode array = root.putArray("paths");
            for (Point p : points) {
                array.addObject().put("path", p.path()).put("max_concurrent_operations", p.maxConcurrentOperations())
                        .put("records_per_s", p.max().recordsPerS())
                        .put("mean_batch_size", p.max().batches().meanBatchSize());
            }
            BenchJson.write(file, root);
        }
    }

    /** Runs the DataStream operator, then SQL once per concurrency; tells before and after each. */
    static Report run(PipelineBench pipeline, int capacity, List<Integer> concurrencies, Consumer<String> starting,
            Consumer<Point> finished) throws Exception {
        List<Point> points = new ArrayList<>();
        starting.accept("datastream (capacity " + capacity + ")");
        Point dataStream = new Point("datastream", capacity, pipeline.maxThroughput(BenchScenario.ADAPTIVE));
        finished.accept(dataStream);
        points.add(dataStream);
        for (int concurrency : concurrencies) {
            starting.accept("sql (max-concurrent-operations " + concurrency + ")");
            Point sql = new Point("sql", concurrency, pipeline.sqlMaxThroughput(concurrency));
            finished.accept(sql);
            points.add(sql);
        }
        return new Report(points);
    }

    /**
     * The SQL job's statements, the last the INSERT: a Kafka table over {@code input} keyed as the bench's records
     * are, the model with the enrich job's settings, and an at-least-once Kafka sink (as the bench's DataStream job)
     * writing the key and the inference, embedding included.
     */
    static List<String> statements(EnrichConfig config, String input, String output, int maxConcurrentOperations) {
        String kafka = "'connector' = 'kafka', 'properties.bootstrap.servers' = '" + config.bootstrapServers()
                + "', 'key.format' = 'raw', 'key.fields' = 'k', 'value.format' = 'json', "
                + "'value.fields-include' = 'EXCEPT_KEY'";
        Map<String, String> model = new LinkedHashMap<>();
        model.put("provider", "streamrt");
        model.put(ModelOptions.MODEL.key(), config.model());
        model.put(ModelOptions.ENGINE.key(), config.engine());
        model.put(ModelOptions.MAX_BATCH_SIZE.key(), String.valueOf(config.maxBatchSize()));
        model.put(ModelOptions.MAX_SEQUENCE_LENGTH.key(), String.valueOf(config.maxSequenceLength()));
        model.put(ModelOptions.LATENCY_TARGET_MS.key(), String.valueOf(config.latencyTargetMs()));
        if (config.tokenizer() != null) {
            model.put(ModelOptions.TOKENIZER.key(), config.tokenizer());
        }
        if (!config.labels().isEmpty()) {
            model.put(ModelOptions.LABELS.key(), String.join(";", config.labels()));
        }
        config.engineOptions().forEach((key, value) -> model.put("engine." + key, value));
        // The model's OUTPUT columns, also the fields of the sink's inference row, in order.
        Map<String, String> columns = new LinkedHashMap<>();
        columns.put("embedding", "ARRAY<FLOAT>");
        if (!config.labels().isEmpty()) {
            columns.put("label", "STRING");
            columns.put("score", "DOUBLE");
        }
        columns.put("batch_size", "INT");
        columns.put("queue_ms", "DOUBLE");
        columns.put("infer_ms", "DOUBLE");
        columns.put("engine", "STRING");
        String outputs = columns.entrySet().stream().map(c -> c.getKey() + " " + c.getValue())
                .collect(Collectors.joining(", "));
        return List.of(
                "CREATE TABLE texts (k STRING, id STRING, `text` STRING) WITH (" + kafka + ", 'topic' = '" + input
                        + "', 'properties.group.id' = '" + input + "', 'scan.startup.mode' = 'earliest-offset')",
                "CREATE TABLE enriched (k STRING, id STRING, inference ROW<" + outputs + ">) WITH (" + kafka
                        + ", 'topic' = '" + output + "')",
                "CREATE MODEL m INPUT (`text` STRING) OUTPUT (" + outputs + ") WITH (" + model.entrySet().stream()
                        .map(e -> "'" + e.getKey() + "' = '" + e.getValue().replace("'", "''") + "'")
                        .collect(Collectors.joining(", ")) + ")",
                "INSERT INTO enriched SELECT k, id, ROW(" + String.join(", ", columns.keySet()) + ") FROM "
                        + "ML_PREDICT(TABLE texts, MODEL m, DESCRIPTOR(`text`), MAP['max-concurrent-operations', '"
                        + maxConcurrentOperations + "'])");
    }
}
