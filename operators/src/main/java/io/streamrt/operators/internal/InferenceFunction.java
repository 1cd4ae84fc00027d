package io.streamrt.operators.internal;

import io.streamrt.engine.EngineInfo;
import io.streamrt.engine.EngineException;
import io.streamrt.engine.EngineLease;
import io.streamrt.engine.ModelRejectedException;
import io.streamrt.engine.task.ModelConfig;
import io.streamrt.engine.task.TaskPlan;
import io.streamrt.operators.BatchStatistics;
import io.streamrt.operators.ChunkOutput;
import io.streamrt.operators.EngineRegistryProvider;
import io.streamrt.operators.InferenceMetrics;
import io.streamrt.operators.InferenceResult;
import io.streamrt.operators.InferenceSettings;
import io.streamrt.operators.StreamInference;
import io.streamrt.operators.TaskOutputs;
import io.streamrt.operators.internal.InferenceRequest.FailureScope;
import io.streamrt.serde.DeadLetterReason;
import io.streamrt.serde.InferenceOutput;
import io.streamrt.serde.TextChunker;
import io.streamrt.serde.TextTokenizer;
import io.streamrt.serde.TextWindows;
import io.streamrt.serde.TokenizedText;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.externalresource.ExternalResourceInfo;
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
 * engine's shared {@link BatchScheduler}, and post-processes each result (the task head) and completes the result
 * future on the scheduler's results thread, while the engine runs the next batch. Flink's
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
@Internal
public final class InferenceFunction<T> extends RichAsyncFunction<T, InferenceResult<T>> {

    private static final long serialVersionUID = 1L;
    private static final int HISTOGRAM_WINDOW = 1024;
    private static final Logger LOG = LoggerFactory.getLogger(InferenceFunction.class);

    private final InferenceSettings settings;
    private final SerializableFunction<T, String> textExtractor;
    private final SerializableFunction<T, String> pairExtractor;
    private final SerializableFunction<T, Long> recordTimestamp;
    private final SerializableFunction<T, String> recordDescription;
    private final Surface surface;
    private final EngineRegistryProvider registry;
    private final ProcessExit processExit;

    private transient EngineLease lease;
    private transient BatchScheduler scheduler;
    private transient TextTokenizer tokenizer;
    /** long-text chunk: cuts a long text into windows; else null. */
    private transient TextChunker chunker;
    /** This subtask's place among this JVM's subtasks of the same engine, and so its GPU. */
    private transient GpuAssignment.Claim gpu;
    /** What the model's outputs are turned into: the task and its settings. */
    private transient TaskPlan plan;
    /** What the task makes of a record's row. */
    private transient TaskHead head;
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
        this(settings, textExtractor, null, recordTimestamp, recordDescription, Surface.DATASTREAM);
    }

    /**
     * @param pairExtractor the second text of a pair (a cross-encoder's passage); or null for single texts
     * @param recordTimestamp when each record was created (epoch ms), for the end-to-end latency metric; or null
     * @param recordDescription names a record in errors and logs (e.g. its Kafka key and offset, never its text);
     *     or null, for "a record"
     * @param surface the words of the user's API for errors (e.g. a SQL model's columns), or {@link Surface#DATASTREAM}
     */
    public InferenceFunction(InferenceSettings settings, SerializableFunction<T, String> textExtractor,
            SerializableFunction<T, String> pairExtractor, SerializableFunction<T, Long> recordTimestamp,
            SerializableFunction<T, String> recordDescription, Surface surface) {
        this(settings, textExtractor, pairExtractor, recordTimestamp, recordDescription, surface,
                EngineRegistryProvider.shared(), ProcessExit.flinkFatalExit());
    }

    /**
     * @param pairExtractor the second text of a pair (a cross-encoder's passage); or null for single texts
     * @param recordTimestamp when each record was created (epoch ms), for the end-to-end latency metric; or null
     * @param recordDescription names a record in errors and logs (e.g. its Kafka key and offset, never its text);
     *     or null, for "a record"
     * @param surface the words of the user's API for errors (e.g. a SQL model's columns), or {@link Surface#DATASTREAM}
     * @param registry the TaskManager's engine registry ({@link EngineRegistryProvider#shared()} but in tests)
     * @param processExit ends the process after an error that poisons it ({@link ProcessExit#flinkFatalExit()} but
     *     in tests)
     */
    public InferenceFunction(InferenceSettings settings, SerializableFunction<T, String> textExtractor,
            SerializableFunction<T, String> pairExtractor, SerializableFunction<T, Long> recordTimestamp,
            SerializableFunction<T, String> recordDescription, Surface surface, EngineRegistryProvider registry,
            ProcessExit processExit) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.processExit = Objects.requireNonNull(processExit, "processExit");
        this.settings = settings;
        this.textExtractor = textExtractor;
        this.pairExtractor = pairExtractor;
        this.recordTimestamp = recordTimestamp;
        this.recordDescription = recordDescription;
        this.surface = surface;
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        open(getRuntimeContext().getMetricGroup(),
                getRuntimeContext().getExternalResourceInfos(GpuAssignment.RESOURCE_NAME));
    }

    /**
     * Opens outside Flink's async operator (Flink SQL's {@code ML_PREDICT} calls a predict function, which has no
     * {@code RuntimeContext}): the same shared engine, batch scheduler and metrics.
     *
     * @param metrics the subtask's metric group
     * @param gpus the TaskManager's GPUs, as Flink's external resource {@value GpuAssignment#RESOURCE_NAME}
     */
    public void open(MetricGroup metrics, Set<ExternalResourceInfo> gpus) throws Exception {
        try {
            gpu = GpuAssignment.claim(settings.engine(), gpus);
            lease = registry.registry().acquire(gpu.spec());
            plan = TaskPlan.plan(lease.model().name(), ModelConfig.read(lease.model()),
                    lease.engine().info().outputs(), settings.task());
            boolean labels = !settings.labels().isEmpty();
            if (!TaskOutputs.labelsFit(plan.task(), labels)) {
                throw new ModelRejectedException(surface.labelsNeedEmbeddings(lease.model().name(), plan.task(),
                        plan.describe(surface.options())));
            }
            if (!TaskOutputs.missing(settings.output(), plan.task(), labels, settings.topK()).isEmpty()) {
                throw new ModelRejectedException(surface.notGiven(lease.model().name(), settings.output(),
                        plan.task(), labels, settings.topK()));
            }
        } catch (RuntimeException e) {
            RuntimeException written = e instanceof EngineException engine ? engine.writtenFor(surface.options()) : e;
            throw ExceptionUtils.findThrowable(written, ModelRejectedException.class).isPresent()
                    ? new ModelNotRunnableException(settings.engine().model(), written) : written;
        }
        EngineInfo info = lease.engine().info();
        int maxSequenceLength = Math.min(settings.engine().maxSequenceLength(), info.maxSequenceLength());
        tokenizer = lease.attachment(TextTokenizer.class,
                engine -> TextTokenizer.open(lease.model().tokenizer(), maxSequenceLength));
        InferenceSettings.Chunking chunking = settings.chunking();
        if (chunking.chunks()) {
            chunker = lease.attachment(TextChunker.class, List.of(maxSequenceLength, chunking.overlapTokens(),
                    chunking.maxChunks()), engine -> TextChunker.open(lease.model().tokenizer(), maxSequenceLength,
                    chunking.overlapTokens(), chunking.maxChunks()));
        }
        String engineId = lease.engineId();
        SchedulerConfig config = new SchedulerConfig(settings.batching(), settings.engine().maxBatchSize(),
                maxSequenceLength, settings.tokenBudget(), TimeUnit.MILLISECONDS.toNanos(settings.maxDelayMs()));
        scheduler = lease.attachment(BatchScheduler.class, config,
                engine -> new BatchScheduler(engine, config, engineId + "-" + config.mode().name().toLowerCase(),
                        BatchStatistics.of(registry.registry())));
        latencyTargetNanos = TimeUnit.MILLISECONDS.toNanos(settings.latencyTargetMs());
        LOG.info("Model {} on engine {}: {}", lease.model().name(), engineId, plan.describe(surface.options()));
        head = TaskHead.open(plan, settings, lease.engine(), tokenizer, lease.model().name(), info.backend());
        inFlight = new AtomicInteger();
        pending = new ConcurrentHashMap<>();
        registerMetrics(metrics.addGroup(InferenceMetrics.GROUP), engineId);
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
                    surface.emptyText(false, text == null) + " for " + describe(input) + ": there is nothing to run "
                            + "the model on; " + surface.emptyTextRemedy()));
            return;
        }
        String pair = null;
        if (pairExtractor != null) {
            try {
                pair = pairExtractor.apply(input);
            } catch (RuntimeException e) {
                handle(input, resultFuture, FailureScope.BATCH, DeadLetterReason.INFERENCE_FAILED, userFunctionFailed(
                        "text pair extractor", input, e));
                return;
            }
            if (pair == null || pair.isBlank()) {
                handle(input, resultFuture, FailureScope.BATCH, DeadLetterReason.TEXT_EMPTY,
                        new IllegalArgumentException(surface.emptyText(true, pair == null) + " for "
                                + describe(input) + ": a pair model needs both texts; " + surface.emptyTextRemedy()));
                return;
            }
        }
        if (chunker != null) {
            submitWindows(input, resultFuture, text);
            return;
        }
        // Only token classification maps tags back onto the text: the other tasks skip the tokens' spans.
        TokenizedText tokens = head.needsTokens() ? tokenizer.encodeWithSpans(settings.prefix(), text, pair)
                : tokenizer.encode(settings.prefix(), text, pair);
        if (tokens.truncated()) {
            truncated.inc();
        }
        long now = scheduler.nowNanos();
        Completion completion = new Completion(input, resultFuture, head.needsTokens() ? text : null, tokens, null);
        InferenceRequest request = new InferenceRequest(tokens.ids(), tokens.typeIds(), now,
                now + latencyTargetNanos, this, completion);
        completion.requests[0] = request;
        inFlight.incrementAndGet();
        pending.put(resultFuture, completion);
        scheduler.submit(request);
    }

    /**
     * long-text chunk: the text's windows go to the scheduler as rows of their own, which may ride in different
     * batches; the record completes when its last window does.
     */
    private void submitWindows(T input, ResultFuture<InferenceResult<T>> resultFuture, String text) {
        TextWindows windows;
        try {
            windows = chunker.windows(settings.prefix(), text);
        } catch (IllegalArgumentException e) {
            handle(input, resultFuture, FailureScope.BATCH, DeadLetterReason.INFERENCE_FAILED,
                    new IllegalArgumentException("cannot cut " + describe(input) + " into windows: " + e.getMessage(),
                            e));
            return;
        }
        if (windows.truncated()) {
            truncated.inc();
        }
        long now = scheduler.nowNanos();
        Completion completion = new Completion(input, resultFuture, text, null, windows);
        for (TextWindows.Window window : windows.windows()) {
            completion.requests[window.index()] = new InferenceRequest(window.tokens().ids(), null, now,
                    now + latencyTargetNanos, this, completion.new WindowCallback(window));
        }
        inFlight.incrementAndGet();
        pending.put(resultFuture, completion);
        for (InferenceRequest request : completion.requests) {
            scheduler.submit(request);
        }
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
        for (InferenceRequest request : completion.requests) {
            scheduler.cancel(request);
        }
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
                // The exit first: in production it does not return (the task's failure would never reach Flink
                // anyway); where it returns (tests), whoever sees the task fail also sees the exit.
                processExit.exit(new InternalError("StreamRT: " + error.getMessage()
                        + "; the TaskManager process ends so that a new one replaces it", error));
                resultFuture.completeExceptionally(error);
            }
        }
    }

    /** How a record is named in errors and logs: its description, never its text. */
    private String describe(T input) {
        if (recordDescription == null) {
            return surface.anonymous();
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

    @Override
    public void close() throws Exception {
        // Queued requests of this subtask are in its checkpoint: drop them rather than run them for nobody.
        if (scheduler != null) {
            scheduler.cancel(this);
        }
        if (pending != null) {
            pending.clear();
        }
        try {
            if (lease != null) {
                lease.close();
            }
        } finally {
            if (gpu != null) {
                gpu.close();
            }
        }
    }

    /**
     * Completes one record's future exactly once, on a scheduler's results thread (or the task thread on timeout):
     * from its one row, or (long-text chunk) from its windows' rows, when the last of them is in.
     */
    private final class Completion implements InferenceRequest.Callback {

        private final T input;
        private final ResultFuture<InferenceResult<T>> future;
        /** Token classification or chunked: the text, to map tags back onto it; else null. */
        private final String text;
        /** Token classification, one row: the text's tokens; else null. */
        private final TokenizedText tokens;
        /** Chunked: the text's windows, and each one's part of the results once in; else null. */
        private final TextWindows windows;
        private final TaskHead.Part[] parts;
        private final AtomicInteger remaining;
        private final AtomicBoolean done = new AtomicBoolean();
        /** Its rows' requests, set before they are submitted. */
        final InferenceRequest[] requests;

        Completion(T input, ResultFuture<InferenceResult<T>> future, String text, TokenizedText tokens,
                TextWindows windows) {
            this.input = input;
            this.future = future;
            this.text = text;
            this.tokens = text == null ? null : tokens;
            this.windows = windows;
            int rows = windows == null ? 1 : windows.windows().size();
            this.parts = windows == null ? null : new TaskHead.Part[rows];
            this.remaining = new AtomicInteger(rows);
            this.requests = new InferenceRequest[rows];
        }

        /** A chunked record's window: keeps its part; the last window in completes the record. */
        final class WindowCallback implements InferenceRequest.Callback {
            private final TextWindows.Window window;

            WindowCallback(TextWindows.Window window) {
                this.window = window;
            }

            @Override
            public void onResult(InferenceRequest.Row row, int rows, long queueNanos, long runNanos) {
                if (done.get()) {
                    return; // failed or timed out while this window's batch ran
                }
                parts[window.index()] = head.part(row, window);
                if (remaining.decrementAndGet() == 0) {
                    Completion.this.onResult(row, rows, queueNanos, runNanos);
                }
            }

            @Override
            public void onFailure(Throwable error, FailureScope scope) {
                Completion.this.onFailure(error, scope);
            }
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
        public void onResult(InferenceRequest.Row row, int rows, long queueNanos, long runNanos) {
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
            double queueMs = queueNanos / 1e6;
            double runMs = runNanos / 1e6;
            List<InferenceOutput> outputs = windows == null
                    ? List.of(head.output(row, text, tokens, rows, queueMs, runMs))
                    : settings.chunking().output() == ChunkOutput.RECORDS
                    ? head.perWindow(text, parts, windows.truncated(), rows, queueMs, runMs)
                    : List.of(head.combine(text, parts, windows.truncated(),
                            settings.chunking().output() == ChunkOutput.CHUNKS, rows, queueMs, runMs));
            queueTimeMs.update(Math.round(queueMs));
            runTimeMs.update(Math.round(runMs));
            batchSize.update(rows);
            if (created != null && created > 0) {
                endToEndMs.update(System.currentTimeMillis() - created);
            }
            succeeded.inc();
            future.complete(outputs.size() == 1 ? Collections.singleton(InferenceResult.success(input, outputs.get(0)))
                    : outputs.stream().map(output -> InferenceResult.success(input, output)).toList());
        }

        @Override
        public void onFailure(Throwable error, FailureScope scope) {
            if (!claim()) {
                return;
            }
            if (windows != null) {
                for (InferenceRequest request : requests) {
                    scheduler.cancel(request); // the record's other windows need not run
                }
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
}
