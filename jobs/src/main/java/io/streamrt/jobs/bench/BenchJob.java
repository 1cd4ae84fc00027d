package io.streamrt.jobs.bench;

import io.streamrt.jobs.enrich.EnrichConfig;
import io.streamrt.jobs.enrich.EnrichPipeline;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.JobManagerOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;

/**
 * One benchmark run's job, started unbounded on a fresh local mini cluster whose every address is on the loopback:
 * the enrich job with a scenario's inference stage, or an SQL pipeline. Its result is asked for once: on a mini
 * cluster every {@code getJobExecutionResult()} call chains a new stage onto the job's result, kept until the job
 * ends, so a loop that polled it would grow the heap.
 *
 * <pre>{@code
 * BenchJob job = BenchJob.start(template, "bench-1-adaptive", BenchScenario.ADAPTIVE, Duration.ofMillis(10));
 * try {
 *     job.failIfEnded();
 * } finally {
 *     job.cancel();
 * }
 * }</pre>
 *
 * @param client the started job
 * @param result its result, asked for once
 */
record BenchJob(JobClient client, CompletableFuture<JobExecutionResult> result) {

    static BenchJob of(JobClient client) {
        return new BenchJob(client, client.getJobExecutionResult());
    }

    /**
     * Starts the enrich job of {@code template} on the run's own topics ({@code <run>-in}, {@code -out},
     * {@code -dlq}) and group, at least once, from the earliest offsets, unbounded, with the scenario's stage.
     */
    static BenchJob start(EnrichConfig template, String run, BenchScenario scenario, Duration staticMaxDelay)
            throws Exception {
        EnrichConfig config = template.toBuilder(run + "-in", run + "-out", run + "-dlq")
                .groupId(run)
                .delivery(EnrichConfig.Delivery.AT_LEAST_ONCE)
                .startingOffsets(EnrichConfig.StartingOffsets.EARLIEST)
                .bounded(false)
                .build();
        StreamExecutionEnvironment env = environment(template.parallelism());
        EnrichPipeline.build(env, config, scenario.stage(config, staticMaxDelay));
        return of(env.executeAsync("bench " + run));
    }

    /** Runs every statement but the last (tables, model), then starts the last (the {@code INSERT}) as the job. */
    static BenchJob startSql(int parallelism, List<String> statements) {
        StreamTableEnvironment tables = StreamTableEnvironment.create(environment(parallelism));
        statements.subList(0, statements.size() - 1).forEach(tables::executeSql);
        return of(tables.executeSql(statements.get(statements.size() - 1)).getJobClient().orElseThrow());
    }

    /** Fails when the unbounded job has ended on its own: with its own failure, if it failed. */
    void failIfEnded() throws Exception {
        if (result.isDone()) {
            result.get();
            throw new IllegalStateException("the unbounded benchmark job ended on its own; check the log above");
        }
    }

    /** Cancels the job, unless it has ended, and waits for it to stop. */
    void cancel() {
        if (result.isDone()) {
            return;
        }
        try {
            client.cancel().get(60, TimeUnit.SECONDS);
            result.get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            // The expected end of a cancelled job: its result completes with the cancellation.
        } catch (TimeoutException e) {
            throw new IllegalStateException("the benchmark job did not stop within 60 s of being cancelled", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A fresh local mini cluster per run, every address on the loopback. */
    static StreamExecutionEnvironment environment(int parallelism) {
        Configuration conf = Configuration.fromMap(Map.of(
                JobManagerOptions.ADDRESS.key(), "127.0.0.1",
                JobManagerOptions.BIND_HOST.key(), "127.0.0.1",
                TaskManagerOptions.HOST.key(), "127.0.0.1",
                TaskManagerOptions.BIND_HOST.key(), "127.0.0.1",
                RestOptions.ADDRESS.key(), "127.0.0.1",
                RestOptions.BIND_ADDRESS.key(), "127.0.0.1"));
        return StreamExecutionEnvironment.createLocalEnvironment(parallelism, conf);
    }
}
