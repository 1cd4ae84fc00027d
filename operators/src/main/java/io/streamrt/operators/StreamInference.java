package io.streamrt.operators;

import io.streamrt.engine.EngineSpec;
import io.streamrt.engine.HasId;
import io.streamrt.engine.SimulatedGpu;
import io.streamrt.engine.task.Aggregation;
import io.streamrt.engine.task.Pooling;
import io.streamrt.engine.task.Task;
import io.streamrt.engine.task.TaskPlan;
import io.streamrt.operators.internal.InferenceFunction;
import io.streamrt.operators.internal.ProcessExit;
import io.streamrt.operators.internal.Surface;
import io.streamrt.serde.EmbeddingEncoding;
import io.streamrt.serde.OutputFields;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.apache.flink.annotation.Internal;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.util.function.SerializableFunction;

/**
 * Enriches a {@code DataStream<T>} with the output of a BERT-family model (a sentence embedding and zero-shot
 * labels, a classifier's label and scores, or a token classifier's entities), micro-batched to a latency target on
 * one engine per TaskManager.
 *
 * <p>It is Flink's async I/O operator underneath: records in flight are in checkpoints and replayed on restore,
 * {@code capacity} bounds them per subtask, and a full operator backpressures its input. The function never runs
 * the model on the task thread: it tokenizes the text and hands it to the engine's shared batch scheduler.
 *
 * <pre>{@code
 * StreamInference<Review> inference = StreamInference.<Review>builder(Review::getText)
 *         .model("builtin:all-minilm-l6-v2-int8")
 *         .labels(List.of("sports", "politics", "technology"))
 *         .maxBatchSize(64)
 *         .latencyTarget(Duration.ofMillis(100))
 *         .build();
 * DataStream<InferenceResult<Review>> enriched = inference.apply(reviews);
 * }</pre>
 *
 * <p><b>Savepoints.</b> Set the operator's uid ({@link Builder#uid}) in any job you will stop with a savepoint and
 * start again: its state (the records in flight) is restored to the operator with the same uid. Without one, Flink
 * derives the operator's id from the job's topology, so adding, removing or reordering an operator before it makes
 * the new version's id differ, and the restore fails (or, with {@code --allowNonRestoredState}, drops those records).
 * The records in flight are restored as inputs and run again on the engine the new version opens: changing the model
 * (or any setting but the uid) between the savepoint and the restore is allowed, and they get the new model's output.
 *
 * @param <T> the input type
 */
@PublicEvolving
public final class StreamInference<T> implements Serializable {

    private static final long serialVersionUID = 1L;

    private final InferenceSettings settings;
    private final SerializableFunction<T, String> textExtractor;
    private final SerializableFunction<T, String> pairExtractor;
    private final SerializableFunction<T, Long> recordTimestamp;
    private final SerializableFunction<T, String> recordDescription;
    private final EngineRegistryProvider registry;
    private final Surface surface;
    private final String uid;

    private StreamInference(InferenceSettings settings, SerializableFunction<T, String> textExtractor,
            SerializableFunction<T, String> pairExtractor, SerializableFunction<T, Long> recordTimestamp,
            SerializableFunction<T, String> recordDescription, EngineRegistryProvider registry, Surface surface,
            String uid) {
        this.uid = uid;
        this.registry = registry;
        this.surface = surface;
        this.settings = settings;
        this.textExtractor = textExtractor;
        this.pairExtractor = pairExtractor;
        this.recordTimestamp = recordTimestamp;
        this.recordDescription = recordDescription;
    }

    /**
     * @param textExtractor reads the text to embed from an input; a null or blank text is a failure handled by
     *     {@link Builder#onFailure}
     */
    public static <T> Builder<T> builder(SerializableFunction<T, String> textExtractor) {
        return new Builder<>(Objects.requireNonNull(textExtractor, "textExtractor"));
    }

    /** The validated settings this operator runs with. */
    public InferenceSettings settings() {
        return settings;
    }

    /** The operator's uid set with {@link Builder#uid}, or null where Flink derives one from the topology. */
    public String uid() {
        return uid;
    }

    /** Adds the inference operator after {@code input}, with the uid set by {@link Builder#uid} if any. */
    public SingleOutputStreamOperator<InferenceResult<T>> apply(DataStream<T> input) {
        InferenceFunction<T> function =
                new InferenceFunction<>(settings, textExtractor, pairExtractor, recordTimestamp, recordDescription,
                        surface, registry, ProcessExit.flinkFatalExit());
        SingleOutputStreamOperator<InferenceResult<T>> out = settings.ordered()
                ? AsyncDataStream.orderedWait(input, function, settings.timeoutMs(), TimeUnit.MILLISECONDS,
                        settings.capacity())
                : AsyncDataStream.unorderedWait(input, function, settings.timeoutMs(), TimeUnit.MILLISECONDS,
                        settings.capacity());
        out = out.returns(InferenceResult.typeInfo(input.getType())).name("StreamRT inference");
        return uid == null ? out : out.uid(uid);
    }

    /** Builds a {@link StreamInference}; every setting starts at its {@link InferenceOptions} default. */
    public static final class Builder<T> {

        private final SerializableFunction<T, String> textExtractor;
        private final Configuration conf = new Configuration();
        private SerializableFunction<T, Long> recordTimestamp;
        private SerializableFunction<T, String> recordDescription;
        private SerializableFunction<T, String> pairExtractor;
        private EngineRegistryProvider registry = EngineRegistryProvider.shared();
        private TaskOutputs.Words words = TaskOutputs.Words.BUILDER;
        private String uid;

        Builder(SerializableFunction<T, String> textExtractor) {
            this.textExtractor = textExtractor;
        }

        /** Reads any {@link InferenceOptions} set in {@code config}; later setters win. */
        public Builder<T> configure(ReadableConfig config) {
            Objects.requireNonNull(config, "config");
            InferenceOptions.definitions().forEach(definition -> copy(definition.option(), config));
            return this;
        }

        private <V> void copy(ConfigOption<V> option, ReadableConfig from) {
            from.getOptional(option).ifPresent(value -> conf.set(option, value));
        }

        /** {@code builtin:all-minilm-l6-v2-int8} (default), {@code builtin:all-minilm-l6-v2}, or a path to an .onnx. */
        public Builder<T> model(String model) {
            conf.set(InferenceOptions.MODEL, Objects.requireNonNull(model, "model"));
            return this;
        }

        /** The model's tokenizer.json, when it is not beside the .onnx file. */
        public Builder<T> tokenizer(String tokenizerJson) {
            conf.set(InferenceOptions.TOKENIZER, Objects.requireNonNull(tokenizerJson, "tokenizerJson"));
            return this;
        }

        /** {@code auto} (default), {@code onnxruntime} or {@code tensorrt}. */
        public Builder<T> engine(String engine) {
            conf.set(InferenceOptions.ENGINE, Objects.requireNonNull(engine, "engine"));
            return this;
        }

        public Builder<T> cpuThreads(int threads) {
            conf.set(InferenceOptions.ENGINE_CPU_THREADS, threads);
            return this;
        }

        public Builder<T> maxBatchSize(int records) {
            conf.set(InferenceOptions.MAX_BATCH_SIZE, records);
            return this;
        }

        public Builder<T> maxSequenceLength(int tokens) {
            conf.set(InferenceOptions.MAX_SEQUENCE_LENGTH, tokens);
            return this;
        }

        public Builder<T> tokenBudget(long tokens) {
            conf.set(InferenceOptions.TOKEN_BUDGET, tokens);
            return this;
        }

        public Builder<T> latencyTarget(Duration target) {
            conf.set(InferenceOptions.LATENCY_TARGET_MS, Objects.requireNonNull(target, "target").toMillis());
            return this;
        }

        /** {@link BatchingMode#ADAPTIVE} (default) or {@link BatchingMode#STATIC}. */
        public Builder<T> batching(BatchingMode mode) {
            conf.set(InferenceOptions.BATCHING, Objects.requireNonNull(mode, "mode"));
            return this;
        }

        /** {@link BatchingMode#STATIC} only: the longest a request waits for its batch to fill. */
        public Builder<T> maxDelay(Duration delay) {
            conf.set(InferenceOptions.MAX_DELAY_MS, Objects.requireNonNull(delay, "delay").toMillis());
            return this;
        }

        /**
         * When each record was created, in epoch milliseconds (e.g. its Kafka timestamp), for the end-to-end
         * latency metric; without it that metric is not registered.
         */
        public Builder<T> recordTimestamp(SerializableFunction<T, Long> timestamp) {
            this.recordTimestamp = Objects.requireNonNull(timestamp, "timestamp");
            return this;
        }

        /**
         * How errors and logs name a record, e.g. its Kafka key and offset: a record the engine fails on alone fails
         * the task (or is dead-lettered) with this in the message. Never put the text there. Without it, records are
         * named "a record".
         */
        public Builder<T> recordDescription(SerializableFunction<T, String> description) {
            this.recordDescription = Objects.requireNonNull(description, "description");
            return this;
        }

        public Builder<T> capacity(int records) {
            conf.set(InferenceOptions.CAPACITY, records);
            return this;
        }

        public Builder<T> timeout(Duration timeout) {
            conf.set(InferenceOptions.TIMEOUT_MS, Objects.requireNonNull(timeout, "timeout").toMillis());
            return this;
        }

        public Builder<T> ordered(boolean ordered) {
            conf.set(InferenceOptions.ORDERED, ordered);
            return this;
        }

        public Builder<T> onFailure(FailurePolicy policy) {
            conf.set(InferenceOptions.ON_FAILURE, Objects.requireNonNull(policy, "policy"));
            return this;
        }

        /**
         * {@link Task#EMBEDDING}, {@link Task#CLASSIFICATION} or {@link Task#TOKEN_CLASSIFICATION}; by default the
         * task is detected from the model's {@code config.json} and outputs.
         */
        public Builder<T> task(Task task) {
            conf.set(InferenceOptions.TASK, Objects.requireNonNull(task, "task").id());
            return this;
        }

        /** How an embedding is pooled; by default the model's {@code 1_Pooling/config.json}, else mean. */
        public Builder<T> pooling(Pooling pooling) {
            conf.set(InferenceOptions.POOLING, Objects.requireNonNull(pooling, "pooling").id());
            return this;
        }

        /** Token classification: how tags become entities; {@link Aggregation#SIMPLE} by default. */
        public Builder<T> aggregation(Aggregation aggregation) {
            conf.set(InferenceOptions.AGGREGATION, Objects.requireNonNull(aggregation, "aggregation").id());
            return this;
        }

        /** Text prepended to every input before tokenizing, e.g. e5's {@code "query: "}. */
        public Builder<T> prefix(String prefix) {
            conf.set(InferenceOptions.PREFIX, Objects.requireNonNull(prefix, "prefix"));
            return this;
        }

        /**
         * What happens to a text longer than the max sequence length: {@link LongText#TRUNCATE} (default) or
         * {@link LongText#CHUNK}, overlapping windows of tokens whose results make the record's.
         */
        public Builder<T> longText(LongText mode) {
            conf.set(InferenceOptions.LONG_TEXT, Objects.requireNonNull(mode, "mode").id());
            return this;
        }

        /** Chunk: the tokens each window shares with the one before (default 32). */
        public Builder<T> chunkOverlapTokens(int tokens) {
            conf.set(InferenceOptions.CHUNK_OVERLAP_TOKENS, tokens);
            return this;
        }

        /** Chunk: most windows of one record (default 64); the rest of a longer text is cut, and said so. */
        public Builder<T> maxChunks(int chunks) {
            conf.set(InferenceOptions.MAX_CHUNKS, chunks);
            return this;
        }

        /** Chunk: the record's own results (default), also each window's, or one result per window. */
        public Builder<T> chunkOutput(ChunkOutput output) {
            conf.set(InferenceOptions.CHUNK_OUTPUT, Objects.requireNonNull(output, "output").id());
            return this;
        }

        /** Chunk, classification: each label's mean (default) or max probability over the windows. */
        public Builder<T> chunkAggregation(ChunkAggregation aggregation) {
            conf.set(InferenceOptions.CHUNK_AGGREGATION, Objects.requireNonNull(aggregation, "aggregation").id());
            return this;
        }

        /** Classification: also give the scores of the {@code k} most probable labels; 0 for none. */
        public Builder<T> topK(int k) {
            conf.set(InferenceOptions.TOP_K, k);
            return this;
        }

        /**
         * Text pairs: the second text of each record (a cross-encoder's or reranker's passage), encoded with the
         * text as the tokenizer's pair encoding, with real token type ids.
         */
        public Builder<T> textPair(SerializableFunction<T, String> pairExtractor) {
            this.pairExtractor = Objects.requireNonNull(pairExtractor, "pairExtractor");
            return this;
        }

        /**
         * Which result fields to keep and how an output encoder writes the embedding; every field the task gives by
         * default. Without {@code embedding}, results carry no embedding (less to hand downstream).
         */
        public Builder<T> output(OutputFields output) {
            Objects.requireNonNull(output, "output");
            if (output.fields().isEmpty()) {
                conf.removeConfig(InferenceOptions.OUTPUT_FIELDS);
            } else {
                conf.set(InferenceOptions.OUTPUT_FIELDS, output.names());
            }
            conf.set(InferenceOptions.EMBEDDING_ENCODING, output.embeddingEncoding().id());
            return this;
        }

        /**
         * Engine {@code simulated-gpu} only: the factor applied to the published batch times and the number of
         * batches run at once (see {@link SimulatedGpu}).
         */
        public Builder<T> simulatedGpu(double timeScale, int streams) {
            conf.set(InferenceOptions.SIMULATED_TIME_SCALE, timeScale);
            conf.set(InferenceOptions.SIMULATED_STREAMS, streams);
            return this;
        }

        /**
         * Which registry holds the engine on each TaskManager: the JVM's shared one by default, so that every
         * operator of a TaskManager using the same model shares one engine and one batch scheduler.
         */
        public Builder<T> engineRegistry(EngineRegistryProvider provider) {
            this.registry = Objects.requireNonNull(provider, "provider");
            return this;
        }

        /**
         * Errors name the {@code enrich} command's flags (e.g. {@code --top-k 3}) instead of this builder's methods:
         * for the enrich job, whose users set its operator with flags.
         */
        @Internal
        public Builder<T> wordedForCommandLine() {
            this.words = TaskOutputs.Words.COMMAND_LINE;
            return this;
        }

        /**
         * The operator's uid: set it in a job you will restore from a savepoint (see the class comment), e.g.
         * {@code .uid("review-embeddings")}; keep it when the job changes, and make it unique in the job.
         */
        public Builder<T> uid(String uid) {
            Objects.requireNonNull(uid, "uid");
            require(!uid.isBlank(), "uid must not be blank: it names the operator's state in savepoints");
            this.uid = uid;
            return this;
        }

        public Builder<T> labels(List<String> labels) {
            conf.set(InferenceOptions.LABELS, new ArrayList<>(Objects.requireNonNull(labels, "labels")));
            return this;
        }

        /**
         * Checks every setting and how they fit together ({@link OptionProblem#of}); messages name the setting and the
         * accepted range.
         */
        public StreamInference<T> build() {
            int maxBatch = conf.get(InferenceOptions.MAX_BATCH_SIZE);
            int maxSeq = conf.get(InferenceOptions.MAX_SEQUENCE_LENGTH);
            long budget = conf.get(InferenceOptions.TOKEN_BUDGET);
            long latency = conf.get(InferenceOptions.LATENCY_TARGET_MS);
            int capacity = conf.get(InferenceOptions.CAPACITY);
            long timeout = conf.get(InferenceOptions.TIMEOUT_MS);
            int threads = conf.get(InferenceOptions.ENGINE_CPU_THREADS);
            OptionProblem.first(conf).ifPresent(problem -> {
                throw new IllegalArgumentException(problem.message());
            });
            long maxDelay = conf.get(InferenceOptions.MAX_DELAY_MS);
            int topK = conf.get(InferenceOptions.TOP_K);
            TaskPlan.Choices choices = new TaskPlan.Choices(
                    conf.getOptional(InferenceOptions.TASK).map(Task::of).orElse(null),
                    conf.getOptional(InferenceOptions.POOLING).map(Pooling::of).orElse(null),
                    conf.getOptional(InferenceOptions.AGGREGATION).map(Aggregation::of).orElse(null));
            List<String> labels = conf.getOptional(InferenceOptions.LABELS).orElse(List.of());
            require(choices.task() == null || TaskOutputs.labelsFit(choices.task(), !labels.isEmpty()),
                    "zero-shot labels work on embeddings, not on task " + (choices.task() == null ? ""
                            : choices.task().id()) + ": a classifier has labels of its own");
            OutputFields output;
            try {
                output = OutputFields.parse(String.join(",", conf.getOptional(InferenceOptions.OUTPUT_FIELDS)
                        .orElse(List.of())), EmbeddingEncoding.parse(conf.get(InferenceOptions.EMBEDDING_ENCODING)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("output: " + e.getMessage(), e);
            }
            if (choices.task() != null) {
                require(TaskOutputs.missing(output, choices.task(), !labels.isEmpty(), topK).isEmpty(),
                        TaskOutputs.missingMessage(output, choices.task(), !labels.isEmpty(), topK, words));
            }
            LongText longText = HasId.parse(LongText.class, conf.get(InferenceOptions.LONG_TEXT), "long text");
            ChunkOutput chunkOutput = ChunkOutput.of(conf.get(InferenceOptions.CHUNK_OUTPUT));
            require(longText == LongText.TRUNCATE || pairExtractor == null, "long-text chunk cuts a single text into "
                    + "windows; a text pair (a cross-encoder's) is truncated: use long-text truncate");
            // Checked whatever the engine; carried only where they mean something, so that other engines' specs
            // stay equal, and shared.
            Map<String, String> simulated = SimulatedGpu.options(conf.get(InferenceOptions.SIMULATED_TIME_SCALE),
                    conf.get(InferenceOptions.SIMULATED_STREAMS));
            String backend = conf.get(InferenceOptions.ENGINE);
            EngineSpec engine = new EngineSpec(conf.get(InferenceOptions.MODEL),
                    conf.getOptional(InferenceOptions.TOKENIZER).orElse(null), backend, 0, maxBatch, maxSeq, threads,
                    EngineSpec.SIMULATED_GPU.equals(backend) ? simulated : Map.of());
            InferenceSettings settings = new InferenceSettings(engine, budget == 0 ? (long) maxBatch * maxSeq : budget,
                    latency, capacity, timeout, conf.get(InferenceOptions.ORDERED), conf.get(InferenceOptions.ON_FAILURE),
                    List.copyOf(labels), conf.get(InferenceOptions.BATCHING), maxDelay, choices,
                    conf.get(InferenceOptions.PREFIX), topK, output, new InferenceSettings.Chunking(longText,
                            conf.get(InferenceOptions.CHUNK_OVERLAP_TOKENS), conf.get(InferenceOptions.MAX_CHUNKS),
                            chunkOutput, HasId.parse(ChunkAggregation.class, conf.get(InferenceOptions.CHUNK_AGGREGATION),
                            "chunk aggregation")));
            return new StreamInference<>(settings, textExtractor, pairExtractor, recordTimestamp, recordDescription,
                    registry, words == TaskOutputs.Words.BUILDER ? Surface.DATASTREAM : Surface.COMMAND_LINE, uid);
        }

        private static void require(boolean ok, String message) {
            if (!ok) {
                throw new IllegalArgumentException(message);
            }
        }
    }
}
