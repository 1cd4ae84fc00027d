package io.streamrt.jobs.bench;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The figures of one {@code bench} run, in the JSON shape other scripts read: field names and nesting
 * are a contract, so nothing is added here that the shape does not name. A field is named after its component in
 * snake_case ({@code @JsonNaming}); {@code @JsonPropertyOrder} lists the names in order. Rates are records per
 * second, times milliseconds.
 *
 * <pre>{@code
 * BenchResults results = new ObjectMapper().readValue(Path.of("bench-results.json").toFile(), BenchResults.class);
 * double adaptiveMax = results.scenario("adaptive").maxRecordsPerS();
 * }</pre>
 *
 * @param date when the run started, ISO-8601 with offset
 * @param machine {@code <os.arch>, <cores> cores, <cpu model>}
 * @param model the model's name, e.g. {@code all-minilm-l6-v2-int8}
 * @param engine the backend that ran it, e.g. {@code onnxruntime}
 * @param engineAlone the engine's own throughput per batch size (the ceiling)
 * @param scenarios per-record, static and adaptive, in that order
 * @param latencyTargetMs the adaptive scenario's latency target
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonPropertyOrder({"date", "machine", "model", "engine", "engine_alone", "scenarios", "latency_target_ms"})
public record BenchResults(String date, String machine, String model, String engine, List<EnginePoint> engineAlone,
        List<Scenario> scenarios, double latencyTargetMs) {

    public BenchResults {
        engineAlone = List.copyOf(engineAlone);
        scenarios = List.copyOf(scenarios);
    }

    /**
     * The engine alone at one batch size: length-sorted records, each batch padded to its longest.
     *
     * @param batchSize records per batch
     * @param recordsPerS records over the time the engine took for all of them
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonPropertyOrder({"batch_size", "records_per_s"})
    public record EnginePoint(int batchSize, double recordsPerS) {}

    /**
     * One way of running the model inside the Flink job.
     *
     * @param name {@code per-record}, {@code static} or {@code adaptive}
     * @param maxRecordsPerS sustained rate with the input pre-loaded: records over the span of output timestamps
     * @param openLoop one point per offered load
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonPropertyOrder({"name", "max_records_per_s", "open_loop"})
    public record Scenario(String name, double maxRecordsPerS, List<OpenLoopPoint> openLoop) {

        public Scenario {
            openLoop = List.copyOf(openLoop);
        }
    }

    /**
     * A run at a fixed offered rate.
     *
     * @param load offered rate as a share of the adaptive maximum
     * @param offeredPerS the rate the producer was paced at
     * @param achievedPerS outputs of the paced records over the time from the first paced input to the last output
     * @param p50Ms end-to-end latency (output minus input Kafka CreateTime), median
     * @param p95Ms 95th percentile
     * @param p99Ms 99th percentile
     * @param meanBatchSize records per engine batch during the paced window
     * @param paddingRatio share of padded token positions that held no token, in [0, 1)
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonPropertyOrder({"load", "offered_per_s", "achieved_per_s", "p50_ms", "p95_ms", "p99_ms", "mean_batch_size",
            "padding_ratio"})
    public record OpenLoopPoint(double load, double offeredPerS, double achievedPerS, double p50Ms, double p95Ms,
            double p99Ms, double meanBatchSize, double paddingRatio) {}

    /** The scenario of that name, or null. */
    public Scenario scenario(String name) {
        return scenarios.stream().filter(s -> s.name().equals(name)).findFirst().orElse(null);
    }

    /** Writes the results as indented JSON. */
    public void write(Path file) throws IOException {
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), this);
    }
}
