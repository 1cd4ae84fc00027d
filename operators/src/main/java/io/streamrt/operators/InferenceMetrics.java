package io.streamrt.operators;

import org.apache.flink.annotation.PublicEvolving;

/**
 * Metric names of the inference operator, registered on each subtask under the group {@value #GROUP}, i.e. at
 * {@code <host>.taskmanager.<tm>.<job>.<operator>.<subtask>.streamrt.<name>}:
 *
 * <ul>
 *   <li>{@value #ENGINE_ID} (gauge): the engine instance this subtask uses; equal across subtasks that share one;</li>
 *   <li>{@value #RECORDS_SUCCEEDED}, {@value #RECORDS_FAILED}, {@value #RECORDS_TIMED_OUT},
 *       {@value #RECORDS_TRUNCATED} (counters, records of this subtask; failed counts the dead-lettered ones);</li>
 *   <li>{@value #RECORDS_ISOLATED} (counter, records of this subtask): records the engine failed on when run alone,
 *       after their batch failed and was run again in halves (poison records);</li>
 *   <li>{@value #ISOLATION_RUNS} (gauge, shared engine): batches run again, in halves, to find those records;</li>
 *   <li>{@value #IN_FLIGHT} (gauge): this subtask's records waiting for a result;</li>
 *   <li>{@value #QUEUE_TIME_MS}, {@value #RUN_TIME_MS} (histograms, per record): arrival to batch start, and the
 *       run time of the batch that carried it;</li>
 *   <li>{@value #BATCH_SIZE} (histogram, per record): size of the batch that carried it;</li>
 *   <li>{@value #ENGINE_BATCHES}, {@value #ENGINE_RECORDS} (gauges): batches and records the shared engine has run,
 *       all subtasks together, so records per batch is their ratio;</li>
 *   <li>{@value #PADDING_RATIO} (gauge): share of padded positions that held no token, shared engine;</li>
 *   <li>{@value #ENGINE_QUEUED} (gauge): requests waiting in the shared scheduler;</li>
 *   <li>{@value #END_TO_END_LATENCY_MS} (histogram, per record, only with a record timestamp such as the Kafka
 *       record's): creation of the record to its result;</li>
 *   <li>{@value #ENGINE_BUSY_FRACTION} (gauge): share of time the shared engine ran batches over the last 10
 *       seconds (reading it changes nothing, so every subtask and reporter sees the same value);</li>
 *   <li>{@value #LATENCY_TARGET_MS} (gauge): this operator's latency target;</li>
 *   <li>{@value #BATCH_LIMIT} (gauge): the row limit of the latest batch (max size, or fewer under the token
 *       budget).</li>
 *   <li>{@value #DEVICE_MEMORY_USED_BYTES}, {@value #DEVICE_MEMORY_TOTAL_BYTES}, {@value #DEVICE_UTILIZATION_PERCENT}
 *       (gauges, only on an engine that reports its device, i.e. a GPU): memory in use and in all on the GPU, and
 *       the share of time a kernel ran (-1 where the driver's NVML library is not visible).</li>
 * </ul>
 *
 * <pre>{@code
 * GET /jobs/<job>/vertices/<vertex>/metrics?get=0.streamrt.engineId
 * }</pre>
 */
@PublicEvolving
public final class InferenceMetrics {

    public static final String GROUP = "streamrt";
    public static final String ENGINE_ID = "engineId";
    public static final String RECORDS_SUCCEEDED = "recordsSucceeded";
    public static final String RECORDS_FAILED = "recordsFailed";
    public static final String RECORDS_TIMED_OUT = "recordsTimedOut";
    public static final String RECORDS_TRUNCATED = "recordsTruncated";
    public static final String RECORDS_ISOLATED = "recordsIsolated";
    public static final String ISOLATION_RUNS = "isolationRuns";
    public static final String IN_FLIGHT = "inFlight";
    public static final String QUEUE_TIME_MS = "queueTimeMs";
    public static final String RUN_TIME_MS = "runTimeMs";
    public static final String BATCH_SIZE = "batchSize";
    public static final String ENGINE_BATCHES = "engineBatches";
    public static final String ENGINE_RECORDS = "engineRecords";
    public static final String PADDING_RATIO = "paddingRatio";
    public static final String ENGINE_QUEUED = "engineQueued";
    public static final String END_TO_END_LATENCY_MS = "endToEndLatencyMs";
    public static final String ENGINE_BUSY_FRACTION = "engineBusyFraction";
    public static final String LATENCY_TARGET_MS = "latencyTargetMs";
    public static final String BATCH_LIMIT = "batchLimit";
    public static final String DEVICE_MEMORY_USED_BYTES = "deviceMemoryUsedBytes";
    public static final String DEVICE_MEMORY_TOTAL_BYTES = "deviceMemoryTotalBytes";
    public static final String DEVICE_UTILIZATION_PERCENT = "deviceUtilizationPercent";

    private InferenceMetrics() {}
}
