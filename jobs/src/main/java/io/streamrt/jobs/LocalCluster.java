package io.streamrt.jobs;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.runtime.executiongraph.ErrorInfo;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.jobmaster.JobResult;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;

/**
 * A job on a mini cluster of its own, as {@code java -jar} runs it, that never waits on a cluster which cannot run
 * it any more.
 *
 * <p>A mini cluster has one TaskManager and never starts another. When that TaskManager stops (Flink stops a
 * TaskExecutor on a fatal error in a task, such as an exception while a failing task cleans up), the job keeps
 * asking for slots that will never come, and {@code env.execute} would wait forever. Here the cluster is watched:
 * with no TaskManager for {@link #NO_TASK_MANAGER_GRACE}, the job is cancelled and {@link #await} throws a
 * {@link TaskManagerLostException} with the job's last error, so the command exits non-zero with the reason.
 *
 * <pre>{@code
 * EnrichPipeline.build(env, config);
 * JobExecutionResult result = LocalCluster.run(env, "enrich");
 * }</pre>
 */
@Internal
public final class LocalCluster implements AutoCloseable {

    /** How long the cluster may have no TaskManager before the job is given up. */
    public static final Duration NO_TASK_MANAGER_GRACE = Duration.ofSeconds(10);

    private static final long POLL_MS = 500;

    private final MiniCluster cluster;
    private final JobID job;
    private final CompletableFuture<JobResult> result;

    private LocalCluster(MiniCluster cluster, JobID job) {
        this.cluster = cluster;
        this.job = job;
        this.result = cluster.requestJobResult(job);
    }

    /** Runs the pipeline built on {@code env} to its end on a mini cluster of its own, then stops the cluster. */
    public static JobExecutionResult run(StreamExecutionEnvironment env, String jobName) throws Exception {
        try (LocalCluster local = submit(env, jobName)) {
            return local.await(null);
        }
    }

    /**
     * Starts a mini cluster with as many slots as the job's largest parallelism, configured as {@code env} is,
     * and submits the pipeline built on {@code env} to it.
     */
    public static LocalCluster submit(StreamExecutionEnvironment env, String jobName) throws Exception {
        Objects.requireNonNull(env, "env");
        StreamGraph graph = env.getStreamGraph();
        graph.setJobName(Objects.requireNonNull(jobName, "jobName"));
        JobGraph jobGraph = graph.getJobGraph();
        Configuration configuration = new Configuration();
        ReadableConfig envConfiguration = env.getConfiguration();
        if (envConfiguration instanceof Configuration own) {
            configuration.addAll(own);
        }
        if (!configuration.contains(RestOptions.BIND_PORT)) {
            configuration.set(RestOptions.BIND_PORT, "0"); // a free port, as Flink's own local environment does
        }
        MiniCluster cluster = new MiniCluster(new MiniClusterConfiguration.Builder()
                .setConfiguration(configuration)
                .setNumTaskManagers(1)
                .setNumSlotsPerTaskManager(Math.max(1, jobGraph.getMaximumParallelism()))
                .build());
        try {
            cluster.start();
            return new LocalCluster(cluster, cluster.submitJob(jobGraph).get().getJobID());
        } catch (Exception e) {
            try {
                cluster.close();
            } catch (Exception suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /**
     * Waits for the job's end and returns its result.
     *
     * @param timeout how long to wait; {@code null} waits as long as the job runs
     * @throws org.apache.flink.runtime.client.JobExecutionException when the job failed
     * @throws TaskManagerLostException when the cluster had no TaskManager for {@link #NO_TASK_MANAGER_GRACE}
     * @throws TimeoutException after {@code timeout}, with the job's status and last error; the job still runs
     */
    public JobExecutionResult await(Duration timeout) throws Exception {
        long deadline = timeout == null ? Long.MAX_VALUE : System.nanoTime() + timeout.toNanos();
        long withoutTaskManagerSince = -1;
        // The TaskManager registers asynchronously after the cluster starts: until it has been seen, the wait for it
        // is longer (a TaskManager that never registers is lost too).
        boolean registered = false;
        long started = System.nanoTime();
        while (true) {
            try {
                JobResult done = result.get(POLL_MS, TimeUnit.MILLISECONDS);
                return done.toJobExecutionResult(Thread.currentThread().getContextClassLoader());
            } catch (TimeoutException stillRunning) {
                // check the cluster below
            }
            long now = System.nanoTime();
            if (cluster.requestClusterOverview().get().getNumTaskManagersConnected() > 0) {
                registered = true;
                withoutTaskManagerSince = -1;
            } else if (registered && withoutTaskManagerSince < 0) {
                withoutTaskManagerSince = now;
            } else if (registered ? now - withoutTaskManagerSince > NO_TASK_MANAGER_GRACE.toNanos()
                    : now - started > NO_TASK_MANAGER_GRACE.toNanos() * 6) {
                String state = describe();
                cluster.cancelJob(job);
                throw new TaskManagerLostException("the local Flink cluster has no TaskManager left, so the job"
                        + " cannot run (" + state + "). Its TaskManager stopped on a fatal error: the log above"
                        + " says which. Start the job again; --starting-offsets committed resumes from the offsets"
                        + " of its last checkpoint");
            }
            if (now > deadline) {
                throw new TimeoutException("the job did not end within " + timeout + ": " + describe());
            }
        }
    }

    /** The job's status and its last error, e.g. {@code job RESTARTING, last error: java.io.IOException: ...}. */
    public String describe() {
        StringBuilder state = new StringBuilder("job ");
        try {
            var graph = cluster.getArchivedExecutionGraph(job).get(10, TimeUnit.SECONDS);
            state.append(graph.getState());
            ErrorInfo failure = graph.getFailureInfo();
            if (failure != null) {
                String error = failure.getExceptionAsString();
                int end = error.indexOf('\n');
                state.append(", last error: ").append(end < 0 ? error : error.substring(0, end));
            }
        } catch (Exception e) {
            state.append("status unknown (").append(e.getMessage()).append(')');
        }
        return state.toString();
    }

    /** The job's status now. */
    public JobStatus status() throws Exception {
        return cluster.getJobStatus(job).get(10, TimeUnit.SECONDS);
    }

    /** The mini cluster itself, for tests that stop its TaskManager. */
    public MiniCluster miniCluster() {
        return cluster;
    }

    /** Stops the cluster, and with it the job if it still runs. */
    @Override
    public void close() throws Exception {
        cluster.close();
    }

    /** The cluster lost the TaskManager it needs to run the job. */
    public static final class TaskManagerLostException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        TaskManagerLostException(String message) {
            super(message);
        }
    }
}
