package io.streamrt.jobs.enrich;

import io.streamrt.jobs.kafka.FailoverSafeKafkaSink;
import io.streamrt.operators.FailurePolicy;
import io.streamrt.operators.InferenceResult;
import io.streamrt.operators.StreamInference;
import io.streamrt.serde.DeadLetter;
import io.streamrt.serde.KafkaRecord;
import io.streamrt.serde.RecordDecoder;
import io.streamrt.serde.TextRecord;
import java.util.Properties;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.function.SerializableFunction;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/**
 * The enrich job's graph: Kafka -> decode + validate -> micro-batched inference -> Kafka, with one dead-letter
 * topic for bad input and failed inference. Every input record ends in exactly one of the two topics.
 *
 * <pre>{@code
 * StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
 * EnrichPipeline.build(env, EnrichConfig.defaults("127.0.0.1:9092", "texts", "enriched", "texts-dlq"));
 * env.execute("enrich");
 * }</pre>
 */
public final class EnrichPipeline {

    /**
     * The sinks' transaction timeout unless {@code transaction.timeout.ms} is set: 15 minutes, the brokers' default
     * {@code transaction.max.timeout.ms}. A checkpoint's transactions are committed after it completes; if recovery
     * takes longer than this (heartbeat timeout, restart, pod scheduling, a broker outage), the broker aborts them
     * and their records, already acknowledged by the checkpoint, are lost. A minute, the old default, was too short.
     */
    static final long DEFAULT_TRANSACTION_TIMEOUT_MS = 900_000;

    private static final String TRANSACTION_TIMEOUT = "transaction.timeout.ms";

    /**
     * The sinks' {@code batch.size} unless set: 256 KiB. An enriched record carries its embedding (~5 KB as JSON
     * numbers, ~1.5 KB as base64 float16): the client's 16 KiB default closes a batch every three JSON records, and
     * the producer's I/O thread and the broker then pay a request per handful of records (at the engine-free maximum,
     * once tokenizing was fast, 49 µs of producer CPU a record, the pipeline's largest stage). With room for what
     * {@code linger.ms} collects, a request carries tens of records.
     */
    static final int DEFAULT_SINK_BATCH_BYTES = 256 * 1024;

    private static final String BATCH_SIZE = "batch.size";

    private EnrichPipeline() {}

    /** Adds the job to {@code env}, with checkpointing as configured. */
    public static void build(StreamExecutionEnvironment env, EnrichConfig config) {
        build(env, config, UnaryOperator.identity(), streamRtStage(config));
    }

    /**
     * As {@link #build(StreamExecutionEnvironment, EnrichConfig)} with another inference stage: the benchmark
     * compares StreamRT's operator with other ways to run the model, on the same source, decoding and sinks.
     *
     * @param stage turns decoded records into results; a failed result goes to the dead-letter topic
     */
    public static void build(StreamExecutionEnvironment env, EnrichConfig config,
            Function<DataStream<TextRecord>, DataStream<InferenceResult<TextRecord>>> stage) {
        build(env, config, UnaryOperator.identity(), stage);
    }

    /** The inference operator as the enrich job configures it; callers may change it before {@code build()}. */
    public static StreamInference.Builder<TextRecord> inference(EnrichConfig config) {
        StreamInference.Builder<TextRecord> inference = StreamInference.builder(
                        (SerializableFunction<TextRecord, String>) TextRecord::getText)
                .recordTimestamp(record -> record.getSource().getTimestamp())
                .recordDescription(record -> record.getSource() == null ? "id " + record.getId()
                        : record.getSource().describe())
                .configure(config.inference())
                .onFailure(FailurePolicy.DEAD_LETTER)
                .wordedForCommandLine();
        if (config.modelTask().textPairField() != null) {
            inference.textPair((SerializableFunction<TextRecord, String>) TextRecord::getPair);
        }
        return inference;
    }

    /** As {@link #build(StreamExecutionEnvironment, EnrichConfig)}, with a step after the source (tests inject faults). */
    static void buildWithSourceStep(StreamExecutionEnvironment env, EnrichConfig config,
            UnaryOperator<DataStream<KafkaRecord>> afterSource) {
        build(env, config, afterSource, streamRtStage(config));
    }

    private static Function<DataStream<TextRecord>, DataStream<InferenceResult<TextRecord>>> streamRtStage(
            EnrichConfig config) {
        return stream -> inference(config).uid("inference").build().apply(stream);
    }

    /**
     * Every operator has a uid naming its state in savepoints (kafka-source, decode, inference, route-results,
     * output-sink, dead-letter-sink; {@code JobGraphStabilityTest} holds them): never change one, or a job stopped with a
     * savepoint cannot start again from it (docs/operations.md, "Upgrades, rescaling and model changes").
     */
    private static void build(StreamExecutionEnvironment env, EnrichConfig config,
            UnaryOperator<DataStream<KafkaRecord>> afterSource,
            Function<DataStream<TextRecord>, DataStream<InferenceResult<TextRecord>>> stage) {
        if (config.parallelism() > 0) {
            env.setParallelism(config.parallelism());
        }
        // Chained operators hand records over as they are instead of copying each through its serializer (the
        // source's record, the decoded text, the result with its embedding): none of the job's functions keeps or
        // changes a record it was given, and the async operator copies its input itself when reuse is on.
        env.getConfig().enableObjectReuse();
        // Every type in flight and in state has a serializer that can evolve (POJOs, Flink's own): none goes through
        // Kryo, whose state a later version of a class cannot read. A type that would fails the job's build.
        env.configure(new Configuration().set(PipelineOptions.GENERIC_TYPES, false));
        env.enableCheckpointing(config.checkpointIntervalMs(), config.delivery() == EnrichConfig.Delivery.EXACTLY_ONCE
                ? CheckpointingMode.EXACTLY_ONCE : CheckpointingMode.AT_LEAST_ONCE);

        DataStream<KafkaRecord> raw = env.fromSource(source(config), WatermarkStrategy.noWatermarks(),
                        "Kafka source: " + config.inputTopic())
                .uid("kafka-source");
        raw = afterSource.apply(raw);

        SingleOutputStreamOperator<TextRecord> decoded = raw
                .process(new DecodeFunction(new RecordDecoder(config.textField(), config.idField(),
                        config.modelTask().textPairField())))
                .uid("decode")
                .name("Decode + validate");

        DataStream<InferenceResult<TextRecord>> results = stage.apply(decoded);

        SingleOutputStreamOperator<InferenceResult<TextRecord>> enriched = results
                .process(new RouteResults())
                .returns(results.getType())
                .uid("route-results")
                .name("Route results");

        enriched.sinkTo(sink(config, config.outputTopic(), "output", new EnrichedRecordSerializer(config.outputTopic(),
                config.modelTask().output())))
                .uid("output-sink")
                .name("Kafka sink: " + config.outputTopic());

        DataStream<DeadLetter> deadLetters = decoded.getSideOutput(DecodeFunction.DEAD_LETTERS)
                .union(enriched.getSideOutput(RouteResults.DEAD_LETTERS));
        deadLetters.sinkTo(sink(config, config.deadLetterTopic(), "dead-letter",
                        new DeadLetterSerializer(config.deadLetterTopic())))
                .uid("dead-letter-sink")
                .name("Kafka sink: " + config.deadLetterTopic());
    }

    private static KafkaSource<KafkaRecord> source(EnrichConfig config) {
        Properties properties = new Properties();
        // Only committed input: an upstream exactly-once producer's aborted records are never enriched.
        properties.setProperty("isolation.level", "read_committed");
        properties.putAll(config.kafkaProperties());
        var builder = KafkaSource.<KafkaRecord>builder()
                .setBootstrapServers(config.bootstrapServers())
                .setTopics(config.inputTopic())
                .setGroupId(config.groupId())
                .setProperties(properties)
                .setDeserializer(new KafkaRecordDeserializer())
                .setStartingOffsets(switch (config.startingOffsets()) {
                    case EARLIEST -> OffsetsInitializer.earliest();
                    case LATEST -> OffsetsInitializer.latest();
                    case COMMITTED -> committedOrEarliest();
                });
        if (config.bounded()) {
            builder.setBounded(OffsetsInitializer.latest());
        }
        return builder.build();
    }

    @SuppressWarnings("deprecation") // the connector's only committed-offsets-with-fallback API takes this type
    private static OffsetsInitializer committedOrEarliest() {
        return OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST);
    }

    /** The sinks' {@code transaction.timeout.ms}: the configured one, else {@link #DEFAULT_TRANSACTION_TIMEOUT_MS}. */
    static long transactionTimeoutMs(EnrichConfig config) {
        String configured = config.kafkaProperties().get(TRANSACTION_TIMEOUT);
        return configured == null ? DEFAULT_TRANSACTION_TIMEOUT_MS : Long.parseLong(configured.trim());
    }

    /** The sinks' producer properties: the configured Kafka properties, then the defaults that differ from Kafka's. */
    static Properties sinkProperties(EnrichConfig config) {
        Properties properties = new Properties();
        properties.putAll(config.kafkaProperties());
        properties.setProperty(TRANSACTION_TIMEOUT, String.valueOf(transactionTimeoutMs(config)));
        properties.putIfAbsent(BATCH_SIZE, String.valueOf(DEFAULT_SINK_BATCH_BYTES));
        return properties;
    }

    /**
     * A Kafka sink for {@code topic}, guarded so that a send that fails during a broker outage costs a task restart
     * and never the TaskManager ({@link FailoverSafeKafkaSink} says how).
     */
    private static <T> FailoverSafeKafkaSink<T> sink(EnrichConfig config, String topic, String role,
            KafkaRecordSerializationSchema<T> serializer) {
        Properties properties = sinkProperties(config);
        boolean exactlyOnce = config.delivery() == EnrichConfig.Delivery.EXACTLY_ONCE;
        var builder = KafkaSink.<T>builder()
                .setBootstrapServers(config.bootstrapServers())
                .setKafkaProducerConfig(properties)
                .setRecordSerializer(serializer)
                .setDeliveryGuarantee(exactlyOnce ? DeliveryGuarantee.EXACTLY_ONCE : DeliveryGuarantee.AT_LEAST_ONCE);
        if (exactlyOnce) {
            // Stable per job and role, so a restarted job aborts its own lingering transactions.
            builder.setTransactionalIdPrefix(config.groupId() + "-" + role + "-" + topic);
        }
        return new FailoverSafeKafkaSink<>(builder.build(), topic);
    }
}
