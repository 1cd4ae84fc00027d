package io.streamrt.operators.internal;

import io.streamrt.engine.EncoderBatch;
import io.streamrt.engine.EngineInfo;
import io.streamrt.engine.EngineLease;
import io.streamrt.engine.EngineRegistry;
import io.streamrt.operators.FailurePolicy;
import io.streamrt.operators.InferenceMetrics;
import io.streamrt.operators.InferenceResult;
import io.streamrt.operators.InferenceSettings;
import io.streamrt.serde.DeadLetterReason;
import io.streamrt.serde.InferenceOutput;
import io.streamrt.serde.TextTokenizer;
import io.streamrt.serde.TokenizedText;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
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
import org.apache.flink.util.function.SerializableFunction;

/**
 * The async function behind {@code StreamInference}: tokenizes on the task thread, hands the tokens to the
 * engine's shared {@link BatchScheduler}, and completes the result future from the scheduler's thread. Flink's
 * {@code AsyncWaitOperator} around it checkpoints the records in flight and replays them on restore.
 *
 * @param <T> the input type
 */
public final class InferenceFunction<T> extends RichAsyncFunction<T, InferenceResult<T>> {

    private static final long serialVersionUID = 1L;
    private static final int HISTOGRAM_WINDOW = 1024;

    private final InferenceSettings settings;
    private final SerializableFunction<T, String> textExtractor;
    private final SerializableFunction<T, Long> recordTimestamp;

    private transient EngineLease lease;
    private transient BatchScheduler scheduler;
    private transient TextTokenizer tokenizer;
    private transient String backend;
    private transient String modelName;
    private transient float[][] labelEmbeddings;
    private transient long latencyTargetNanos;
    private transient AtomicInteger inFlight;
    private transient Counter succeeded;
    private transient Counter failed;
    private transient Counter timedOut;
    private transient Counter truncated;
    private transient Histogram queueTimeMs;
    private transient Histogram runTimeMs;
    private transient Histogram batchSize;
    private transient Histogram endToEndMs;

    /**
     * @param recordTimestamp when each record was created (epoch ms), for the end-to-end latency metric; or null
     */
    public InferenceFunction(InferenceSettings settings, SerializableFunction<T, String> textExtractor,
            SerializableFunction<T, Long> recordTimestamp) {
        this.settings = settings;
        this.textExtractor = textExtractor;
        this.recordTimestamp = recordTimestamp;
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        lease = EngineRegistry.shared().acquire(GpuAssignment.forSubtask(settings.engine(),
                getRuntimeContext().getExternalResourceInfos(GpuAssignment.RESOURCE_NAME),
                getRuntimeContext().getTaskInfo().getIndexOfThisSubtask()));
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
    }

    @Override
    public void asyncInvoke(T input, ResultFuture<InferenceResult<T>> resultFuture) {
        String text = textExtractor.apply(input);
        if (text == null || text.isBlank()) {
            fail(input, resultFuture, DeadLetterReason.TEXT_EMPTY,
                    new IllegalArgumentException("the text extractor returned " + (text == null ? "null" : "a blank text")
                            + ": there is nothing to embed; filter such records before the inference operator"));
            return;
        }
        TokenizedText tokens = tokenizer.encode(text);
        if (tokens.truncated()) {
            truncated.inc();
        }
        long now = scheduler.nowNanos();
        inFlight.incrementAndGet();
        scheduler.submit(new InferenceRequest(tokens.ids(), now, now + latencyTargetNanos, this,
                new Completion(input, resultFuture)));
    }

    @Override
    public void timeout(T input, ResultFuture<InferenceResult<T>> resultFuture) {
        timedOut.inc();
        fail(input, resultFuture, DeadLetterReason.INFERENCE_TIMEOUT, new TimeoutException("no inference result within "
                + settings.timeoutMs() + " ms: the engine is overloaded or stuck; raise the timeout "
                + "(StreamInference.Builder#timeout, streamrt.async.timeout-ms), lower the capacity, or add TaskManagers"));
    }

    private void fail(T input, ResultFuture<InferenceResult<T>> resultFuture, DeadLetterReason reason, Throwable error) {
        if (settings.onFailure() == FailurePolicy.DEAD_LETTER) {
            failed.inc();
            resultFuture.complete(Collections.singleton(InferenceResult.failure(input, reason, error.getMessage())));
        } else {
            resultFuture.completeExceptionally(error);
        }
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
        if (lease != null) {
            lease.close();
        }
    }

    /** Completes one record's future exactly once, on the scheduler's thread. */
    private final class Completion implements InferenceRequest.Callback {

        private final T input;
        private final ResultFuture<InferenceResult<T>> future;
        private final AtomicBoolean done = new AtomicBoolean();

        Completion(T input, ResultFuture<InferenceResult<T>> future) {
            this.input = input;
            this.future = future;
        }

        @Override
        public void onResult(float[] embedding, int rows, long queueNanos, long runNanos) {
            if (!done.compareAndSet(false, true)) {
                return;
            }
            inFlight.decrementAndGet();
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
            if (endToEndMs != null) {
                Long created = recordTimestamp.apply(input);
                if (created != null && created > 0) {
                    endToEndMs.update(System.currentTimeMillis() - created);
                }
            }
            succeeded.inc();
            future.complete(Collections.singleton(InferenceResult.success(input,
                    new InferenceOutput(modelName, backend, embedding, label, score, rows, queueMs, runMs))));
        }

        @Override
        public void onFailure(Throwable error) {
            if (!done.compareAndSet(false, true)) {
                return;
            }
            inFlight.decrementAndGet();
            fail(input, future, DeadLetterReason.INFERENCE_FAILED, new IllegalStateException(
                    "inference failed on engine " + lease.engineId() + ": " + error.getMessage(), error));
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
