package io.streamrt.operators;

import io.streamrt.engine.EngineSpec;
import io.streamrt.operators.internal.InferenceFunction;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.util.function.SerializableFunction;

/**
 * Enriches a {@code DataStream<T>} with sentence embeddings (and zero-shot labels) from a BERT-family model,
 * micro-batched to a latency target on one engine per TaskManager.
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
 * @param <T> the input type
 */
public final class StreamInference<T> implements Serializable {

    private static final long serialVersionUID = 1L;

    private final InferenceSettings settings;
    private final SerializableFunction<T, String> textExtractor;
    private final SerializableFunction<T, Long> recordTimestamp;
    private final SerializableFunction<T, String> recordDescription;

    private StreamInference(InferenceSettings settings, SerializableFunction<T, String> textExtractor,
            SerializableFunction<T, Long> recordTimestamp, SerializableFunction<T, String> recordDescription) {
        this.settings = settings;
        this.textExtractor = textExtractor;
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

    /** Adds the inference operator after {@code input}. */
    public SingleOutputStreamOperator<InferenceResult<T>> apply(DataStream<T> input) {
        InferenceFunction<T> function =
                new InferenceFunction<>(settings, textExtractor, recordTimestamp, recordDescription);
        SingleOutputStreamOperator<InferenceResult<T>> out = settings.ordered()
                ? AsyncDataStream.orderedWait(input, function, settings.timeoutMs(), TimeUnit.MILLISECONDS,
                        settings.capacity())
                : AsyncDataStream.unorderedWait(input, function, settings.timeoutMs(), TimeUnit.MILLISECONDS,
                        settings.capacity());
        return out.returns(InferenceResult.typeInfo(input.getType())).name("StreamRT inference");
    }

    /** Builds a {@link StreamInference}; every setting starts at its {@link InferenceOptions} default. */
    public static final class Builder<T> {

        private final SerializableFunction<T, String> textExtractor;
        private final Configuration conf = new Configuration();
        private SerializableFunction<T, Long> recordTimestamp;
        private SerializableFunction<T, String> recordDescription;

        Builder(SerializableFunction<T, String> textExtractor) {
            this.textExtractor = textExtractor;
        }

        /** Reads any {@link InferenceOptions} set in {@code config}; later setters win. */
        public Builder<T> configure(ReadableConfig config) {
            Objects.requireNonNull(config, "config");
            for (var option : List.of(InferenceOptions.MODEL, InferenceOptions.TOKENIZER, InferenceOptions.ENGINE)) {
                config.getOptional(option).ifPresent(v -> conf.set(option, v));
            }
            config.getOptional(InferenceOptions.ENGINE_CPU_THREADS).ifPresent(this::cpuThreads);
            config.getOptional(InferenceOptions.MAX_BATCH_SIZE).ifPresent(this::maxBatchSize);
            config.getOptional(InferenceOptions.MAX_SEQUENCE_LENGTH).ifPresent(this::maxSequenceLength);
            config.getOptional(InferenceOptions.TOKEN_BUDGET).ifPresent(this::tokenBudget);
            config.getOptional(InferenceOptions.LATENCY_TARGET_MS).ifPresent(v -> conf.set(InferenceOptions.LATENCY_TARGET_MS, v));
            config.getOptional(InferenceOptions.BATCHING).ifPresent(this::batching);
            config.getOptional(InferenceOptions.MAX_DELAY_MS).ifPresent(v -> conf.set(InferenceOptions.MAX_DELAY_MS, v));
            config.getOptional(InferenceOptions.CAPACITY).ifPresent(this::capacity);
            config.getOptional(InferenceOptions.TIMEOUT_MS).ifPresent(v -> conf.set(InferenceOptions.TIMEOUT_MS, v));
            config.getOptional(InferenceOptions.ORDERED).ifPresent(this::ordered);
            config.getOptional(InferenceOptions.ON_FAILURE).ifPresent(this::onFailure);
            config.getOptional(InferenceOptions.LABELS).ifPresent(this::labels);
            return this;
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

        public Builder<T> labels(List<String> labels) {
            conf.set(InferenceOptions.LABELS, new ArrayList<>(Objects.requireNonNull(labels, "labels")));
            return this;
        }

        /** Checks every setting and how they fit together; messages name the setting and the accepted range. */
        public StreamInference<T> build() {
            int maxBatch = conf.get(InferenceOptions.MAX_BATCH_SIZE);
            int maxSeq = conf.get(InferenceOptions.MAX_SEQUENCE_LENGTH);
            long budget = conf.get(InferenceOptions.TOKEN_BUDGET);
            long latency = conf.get(InferenceOptions.LATENCY_TARGET_MS);
            int capacity = conf.get(InferenceOptions.CAPACITY);
            long timeout = conf.get(InferenceOptions.TIMEOUT_MS);
            int threads = conf.get(InferenceOptions.ENGINE_CPU_THREADS);
            require(maxBatch >= 1 && maxBatch <= 4096, "max batch size must be in 1..4096, found " + maxBatch);
            require(maxSeq >= 3 && maxSeq <= 8192, "max sequence length must be in 3..8192 tokens, found " + maxSeq);
            require(budget == 0 || budget >= maxSeq, "token budget must be 0 (off) or at least the max sequence length "
                    + maxSeq + ", found " + budget);
            require(latency >= 1, "latency target must be at least 1 ms, found " + latency);
            require(capacity >= 1, "capacity must be at least 1 record, found " + capacity);
            require(timeout > latency, "timeout (" + timeout + " ms) must be longer than the latency target ("
                    + latency + " ms)");
            require(threads >= 0, "cpu threads must be 0 (all processors) or more, found " + threads);
            long maxDelay = conf.get(InferenceOptions.MAX_DELAY_MS);
            require(maxDelay >= 0, "max delay must be 0 ms or more, found " + maxDelay);
            List<String> labels = conf.getOptional(InferenceOptions.LABELS).orElse(List.of());
            for (String label : labels) {
                require(label != null && !label.isBlank(), "labels must not be blank, found " + labels);
            }
            require(new HashSet<>(labels).size() == labels.size(), "labels must be distinct, found " + labels);
            EngineSpec engine = new EngineSpec(conf.get(InferenceOptions.MODEL),
                    conf.getOptional(InferenceOptions.TOKENIZER).orElse(null), conf.get(InferenceOptions.ENGINE), 0,
                    maxBatch, maxSeq, threads);
            InferenceSettings settings = new InferenceSettings(engine, budget == 0 ? (long) maxBatch * maxSeq : budget,
                    latency, capacity, timeout, conf.get(InferenceOptions.ORDERED), conf.get(InferenceOptions.ON_FAILURE),
                    List.copyOf(labels), conf.get(InferenceOptions.BATCHING), maxDelay);
            return new StreamInference<>(settings, textExtractor, recordTimestamp, recordDescription);
        }

        private static void require(boolean ok, String message) {
            if (!ok) {
                throw new IllegalArgumentException(message);
            }
        }
    }
}
