package io.streamrt.operators.internal;

import io.streamrt.engine.EncoderBatch;
import io.streamrt.engine.EngineInfo;
import io.streamrt.engine.EngineLease;
import io.streamrt.engine.EngineRegistry;
import io.streamrt.engine.ModelRejectedException;
import io.streamrt.operators.InferenceMetrics;
import io.streamrt.operators.InferenceResult;
import io.streamrt.operators.InferenceSettings;
import io.streamrt.operators.internal.InferenceRequest.FailureScope;
import io.streamrt.serde.DeadLetterReason;
import io.streamrt.serde.InferenceOutput;
import io.streamrt.serde.TextTokenizer;
import io.streamrt.serde.TokenizedText;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.ThreadSafeSimpleCounter;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.functions.async.RichAsyncFunction;
import org.apache.flink.util.ExceptionUtils;
import org.apache.flink.util.function.SerializableFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The async function behind {@code StreamInference}: tokenizes on the task thread, hands the tokens to the
 * engine's shared {@link BatchScheduler}, and completes the result future from the scheduler's thread. Flink's
 * {@code AsyncWaitOperator} around it checkpoints the records in flight and replays them on restore.
 *
 * <p>Every record is completed exactly once and counted once: by its result, by its failure (handled as
 * {@link FailureAction} decides), or by its timeout, which also takes the request back from the scheduler so that
 * timed-out work does not keep the engine busy. A user function that throws (text extractor, record timestamp,
 * record description) fails that record at once with the real reason. Errors and logs name a record by its
 * description (e.g. its Kafka key and offset), never by its text.
 *
 * @param <T> the input type
 */
public final class InferenceFunction<T> extends RichAsyncFunction<T, InferenceResult<T>> {

    private static final long serialVersionUID = 1L;
    private static final int HISTOGRAM_WINDOW = 1024;
    private static final Logger LOG = LoggerFactory.getLogger(InferenceFunction.class);

    private final InferenceSettings settings;
    private final SerializableFunction<T, String> textExtractor;
    private final SerializableFunction<T, Long> recordTimestamp;
    private final SerializableFunction<T, String> recordDescription;

    private transient EngineLease lease;
    private transient BatchScheduler scheduler;
    private transient TextTokenizer tokenizer;
    private transient String backend;
    private transient String modelName;
    private transient float[][] labelEmbeddings;
    private transient long latencyTargetNanos;
    private transient AtomicInteger inFlight;
    /** The completion of each record in flight, by the future Flink passes to both asyncInvoke and timeout. */
    private transient Map<ResultFuture<InferenceResult<T>>, Completion> pending;
    private transient Counter succeeded;
    private transient Counter failed;
    private transient Counter timedOut;
    private transient Counter truncated;
    private transient Counter isolated;
    private transient Histogram queueTimeMs;
    private transient Histogram runTimeMs;
    private transient Histogram batchSize;
    private transient Histogram endToEndMs;

    /**
     * @param recordTimestamp when each record was created (epoch ms), for the end-to-end latency metric; or null
     */
    public InferenceFunction(InferenceSettings settings, SerializableFunction<T, String> textExtractor,
            SerializableFunction<T, Long> recordTimestamp) {
        this(settings, textExtractor, recordTimestamp, null);
    }

    /**
     * @param recordTimestamp when each record was created (epoch ms), for the end-to-end latency metric; or null
     * @param recordDescription names a record in errors and logs (e.g. its Kafka key and offset, never its text);
     *     or null, for "a record"
     */
    public InferenceFunction(InferenceSettings settings, SerializableFunction<T, String> textExtractor,
            SerializableFunction<T, Long> recordTimestamp, SerializableFunction<T, String> recordDescription) {
        this.settings = settings;
        this.textExtractor = textExtractor;
        this.recordTimestamp = recordTimestamp;
        this.recordDescription = recordDescription;
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        try {
            lease = EngineRegistry.shared().acquire(GpuAssignment.forSubtask(settings.engine(),
                    getRuntimeContext().getExternalResourceInfos(GpuAssignment.RESOURCE_NAME),
                    getRuntimeContext().getTaskInfo().getIndexOfThisSubtask()));
        } catch (RuntimeException e) {
            throw ExceptionUtils.findThrowable(e, ModelRejectedException.class).isPresent()
                    ? new ModelNotRunnableException(settings.engine().model(), e) : e;
        }
        EngineInfo info = lease.engine().info();
        backend = info.backend();
        modelName = lease.model().name();
        int maxSequenceLength = Math.min(settings.engine().maxSequenceLength(), info.maxSequenceLength());
        tokenizer = lease.attachment(TextTokenizer.class,
                engine -> TextTokenizer.open(lease.model().tokenizer(), maxSequenceLength));
        String engineId = lease.engineId();
        SchedulerConfig config = new SchedulerConfig(settings.batching(), settings.engine().maxBatchSize(),
                maxSequenceLength, settings.tokenBudget(), TimeUnit.MILLISECONDS.toNanos(settings.maxDelayMs()));
        scheduler = lease.attachment(BatchScheduler.class, config,
                engine -> new BatchScheduler(engine, config, engineId + "-" + config.mode().name().toLowerCase()));
        latencyTargetNanos = TimeUnit.MILLISECONDS.toNanos(settings.latencyTargetMs());
        labelEmbeddings = embedLabels(settings.labels());
        inFlight = new AtomicInteger();
        pending = new ConcurrentHashMap<>();
        registerMetrics(getRuntimeContext().getMetricGroup().addGroup(InferenceMetrics.GROUP), engineId);
    }

    private float[][] embedLabels(List<String> labels) {
        if (labels.isEmpty()) {
            return new float[0][];
        }
        List<long[]> rows = new ArrayList<>();
        for (String label : labels) {
            rows.add(tokenizer.encode(label).ids());
        }
        EncoderBatch batch = EncoderBatch.pad(rows);
        return lease.engine().run(batch).meanPooledNormalized(batch.lengths());
    }

    private void registerMetrics(MetricGroup group, String engineId) {
        group.gauge(InferenceMetrics.ENGINE_ID, (Gauge<String>) () -> engineId);
        DeviceGauges.registerIfReported(group, lease.engine());
        succeeded = group.counter(InferenceMetrics.RECORDS_SUCCEEDED, new ThreadSafeSimpleCounter());
        failed = group.counter(InferenceMetrics.RECORDS_FAILED, new ThreadSafeSimpleCounter());
        timedOut = group.counter(InferenceMetrics.RECORDS_TIMED_OUT, new ThreadSafeSimpleCounter());
        truncated = group.counter(InferenceMetrics.RECORDS_TRUNCATED, new ThreadSafeSimpleCounter());
        isolated = group.counter(InferenceMetrics.RECORDS_ISOLATED, new ThreadSafeSimpleCounter());
        group.gauge(InferenceMetrics.IN_FLIGHT, (Gauge<Integer>) inFlight::get);
        queueTimeMs = group.histogram(InferenceMetrics.QUEUE_TIME_MS, new DescriptiveStatisticsHistogram(HISTOGRAM_WINDOW));
        runTimeMs = group.histogram(InferenceMetrics.RUN_TIME_MS, new DescriptiveStatisticsHistogram(HISTOGRAM_WINDOW));
        batchSize = group.histogram(InferenceMetrics.BATCH_SIZE, new DescriptiveStatisticsHistogram(HISTOGRAM_WINDOW));
        if (recordTimestamp != null) {
            endToEndMs = group.histogram(InferenceMetrics.END_TO_END_LATENCY_MS,
                    new DescriptiveStatisticsHistogram(HISTOGRAM_WINDOW));
        }
        group.gauge(InferenceMetrics.LATENCY_TARGET_MS, (Gauge<Long>) settings::latencyTargetMs);
        BatchScheduler shared = scheduler;
        group.gauge(InferenceMetrics.BATCH_LIMIT, (Gauge<Integer>) shared::batchLimit);
        group.gauge(InferenceMetrics.ENGINE_BUSY_FRACTION, (Gauge<Double>) shared::busyFraction);
        group.gauge(InferenceMetrics.ENGINE_BATCHES, (Gauge<Long>) shared::batches);
        group.gauge(InferenceMetrics.ENGINE_RECORDS, (Gauge<Long>) shared::records);
        group.gauge(InferenceMetrics.PADDING_RATIO, (Gauge<Double>) shared::paddingRatio);
        group.gauge(InferenceMetrics.ENGINE_QUEUED, (Gauge<Integer>) shared::queued);
        group.gauge(InferenceMetrics.ISOLATION_RUNS, (Gauge<Long>) shared::isolationRuns);
    }

    @Override
    public void asyncInvoke(T input, ResultFuture<InferenceResult<T>> resultFuture) {
        String text;
        try {
            text = textExtractor.apply(input);
        } catch (RuntimeException e) {
            handle(input, resultFuture, FailureScope.BATCH, DeadLetterReason.INFERENCE_FAILED, userFunctionFailed(
                    "text extractor", input, e));
            return;
        }
        if (text == null || text.isBlank()) {
            handle(input, resultFuture, FailureScope.BATCH, DeadLetterReason.TEXT_EMPTY, new IllegalArgumentException(
                    "the text extractor returned " + (text == null ? "null" : "a blank text") + " for "
                            + describe(input) + ": there is nothing to embed; filter such records before the "
                            + "inference operator"));
            return;
        }
        TokenizedText tokens = tokenizer.encode(text);
        if (tokens.truncated()) {
            truncated.inc();
        }
        long now = scheduler.nowNanos();
        Completion completion = new Completion(input, resultFuture);
        InferenceRequest request = new InferenceRequest(tokens.ids(), now, now + latencyTargetNanos, this, completion);
        completion.request = request;
        inFlight.incrementAndGet();
        pending.put(resultFuture, completion);
        scheduler.submit(request);
    }

    /**
     * Flink's timer for a record in flight: takes the request back from the scheduler (it never runs if still
     * queued; a running batch's result for it is ignored) and fails the record, counted once.
     */
    @Override
    public void timeout(T input, ResultFuture<InferenceResult<T>> resultFuture) {
        Completion completion = pending.get(resultFuture);
        if (completion == null || !completion.claim()) {
            return; // its result or failure came first
        }
        scheduler.cancel(completion.request);
        timedOut.inc();
        handle(input, resultFuture, FailureScope.BATCH, DeadLetterReason.INFERENCE_TIMEOUT, new TimeoutException(
                "no inference result within " + settings.timeoutMs() + " ms for " + describe(input)
                        + ": the engine is overloaded or stuck; raise the timeout "
                        + "(StreamInference.Builder#timeout, streamrt.async.timeout-ms), lower the capacity, or add "
                        + "TaskManagers"));
    }

    /** Completes a failed record as {@link FailureAction#decide} says. */
    private void handle(T input, ResultFuture<InferenceResult<T>> resultFuture, FailureScope scope,
            DeadLetterReason reason, Throwable error) {
        FailureAction action = FailureAction.decide(scope, error, settings.onFailure());
        switch (action) {
            case DEAD_LETTER -> {
                failed.inc();
                resultFuture.complete(Collections.singleton(InferenceResult.failure(input, reason, error.getMessage())));
            }
            case FAIL_TASK -> resultFuture.completeExceptionally(error);
            case FAIL_TASK_AND_EXIT_PROCESS -> {
                LOG.error("Ending this TaskManager's process: {}", error.getMessage());
                resultFuture.completeExceptionally(error);
                ProcessExit.current().exit(new InternalError("StreamRT: " + error.getMessage()
                        + "; the TaskManager process ends so that a new one replaces it", error));
            }
        }
    }

    /** How a record is named in errors and logs: its description, never its text. */
    private String describe(T input) {
        if (recordDescription == null) {
            return "a record";
        }
        try {
            return "record " + recordDescription.apply(input);
        } catch (RuntimeException e) {
            return "a record (its description function threw " + e.getClass().getName() + ")";
        }
    }

    private IllegalStateException userFunctionFailed(String function, T input, RuntimeException e) {
        return new IllegalStateException("the " + function + " threw " + e + " on " + describe(input)
                + "; fix the function, or filter the records it cannot handle before the inference operator", e);
    }

    private int nearestLabel(float[] embedding) {
        int best = -1;
        float bestScore = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < labelEmbeddings.length; i++) {
            float score = 0;
            for (int d = 0; d < embedding.length; d++) {
                score += embedding[d] * labelEmbeddings[i][d];
            }
            if (score > bestScore) {
                bestScore = score;
                best = i;
            }
        }
        return best;
    }

    @Override
    public void close() throws Exception {
        // Queued requests of this subtask are in its checkpoint: drop them rather than run them for nobody.
        if (scheduler != null) {
            scheduler.cancel(this);
        }
        if (pending != null) {
            pending.clear();
        }
        if (lease != null) {
            lease.close();
        }
    }

    /** Completes one record's future exactly once, on the scheduler's thread (or the task thread on timeout). */
    private final class Completion implements InferenceRequest.Callback {

        private final T input;
        private final ResultFuture<InferenceResult<T>> future;
        private final AtomicBoolean done = new AtomicBoolean();
        /** Set right after construction, before the request is submitted. */
        InferenceRequest request;

        Completion(T input, ResultFuture<InferenceResult<T>> future) {
            this.input = input;
            this.future = future;
        }

        /** Takes the record out of flight; false if something completed it already. */
        boolean claim() {
            if (!done.compareAndSet(false, true)) {
                return false;
            }
            pending.remove(future);
            inFlight.decrementAndGet();
            return true;
        }

        @Override
        public void onResult(float[] embedding, int rows, long queueNanos, long runNanos) {
            if (!claim()) {
                return; // timed out while its batch ran: already failed and counted
            }
            Long created = null;
            if (endToEndMs != null) {
                try {
                    created = recordTimestamp.apply(input);
                } catch (RuntimeException e) {
                    handle(input, future, FailureScope.BATCH, DeadLetterReason.INFERENCE_FAILED,
                            userFunctionFailed("record timestamp function", input, e));
                    return;
                }
            }
            String label = null;
            float score = 0f;
            if (labelEmbeddings.length > 0) {
                int best = nearestLabel(embedding);
                label = settings.labels().get(best);
                score = dot(embedding, labelEmbeddings[best]);
            }
            double queueMs = queueNanos / 1e6;
            double runMs = runNanos / 1e6;
            queueTimeMs.update(Math.round(queueMs));
            runTimeMs.update(Math.round(runMs));
            batchSize.update(rows);
            if (created != null && created > 0) {
                endToEndMs.update(System.currentTimeMillis() - created);
            }
            succeeded.inc();
            future.complete(Collections.singleton(InferenceResult.success(input,
                    new InferenceOutput(modelName, backend, embedding, label, score, rows, queueMs, runMs))));
        }

        @Override
        public void onFailure(Throwable error, FailureScope scope) {
            if (!claim()) {
                return;
            }
            String what = switch (scope) {
                case RECORD -> "the engine " + lease.engineId() + " failed on " + describe(input)
                        + " run alone (the other records of its batch were run without it): ";
                case BATCH -> "inference failed for " + describe(input) + " on engine " + lease.engineId() + ": ";
                case ENGINE -> "engine " + lease.engineId() + " failed and cannot run more batches, so the task "
                        + "fails and its restart acquires a new engine (" + describe(input) + " is replayed from "
                        + "the checkpoint): ";
            };
            if (scope == FailureScope.RECORD) {
                isolated.inc();
            }
            handle(input, future, scope, DeadLetterReason.INFERENCE_FAILED,
                    new InferenceFailedException(what + error.getMessage(), error));
        }
    }

    private static float dot(float[] a, float[] b) {
        float sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += a[i] * b[i];
        }
        return sum;
    }
}
