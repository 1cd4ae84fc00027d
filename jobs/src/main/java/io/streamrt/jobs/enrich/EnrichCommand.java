package io.streamrt.jobs.enrich;

import io.streamrt.engine.EngineRegistry;
import io.streamrt.engine.EngineSpec;
import io.streamrt.engine.ModelCheck;
import io.streamrt.engine.task.Aggregation;
import io.streamrt.engine.task.Pooling;
import io.streamrt.engine.task.Task;
import io.streamrt.jobs.InferenceFlags;
import io.streamrt.jobs.LocalCluster;
import io.streamrt.jobs.MetricsPortFlag;
import io.streamrt.jobs.OptionFlags;
import io.streamrt.jobs.StreamRtCli;
import io.streamrt.operators.InferenceOptions;
import io.streamrt.operators.TaskOutputs;
import io.streamrt.serde.EmbeddingEncoding;
import io.streamrt.serde.OutputFields;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.configuration.Configuration;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code enrich}: the streaming job, Kafka to Kafka. Its flags are a contract that scripts use.
 *
 * <pre>{@code
 * enrich --bootstrap-servers 127.0.0.1:9092 --input-topic texts --output-topic enriched \
 *        --dead-letter-topic texts-dlq --labels "sports,politics,technology" --bounded
 * }</pre>
 */
@Command(
        name = "enrich",
        mixinStandardHelpOptions = true,
        modelTransformer = OptionFlags.All.class,
        sortOptions = false,
        description = {
            "Reads JSON records from a Kafka topic, adds an 'inference' object (sentence embedding, and the nearest "
                    + "label when --labels is given) and writes them to another topic. Records that cannot be "
                    + "enriched go, unchanged, to the dead-letter topic with the reason in headers.",
            "Runs on a local mini cluster under java -jar, or on the cluster under flink run."
        })
public final class EnrichCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--bootstrap-servers", required = true, paramLabel = "HOST:PORT",
            description = "Kafka bootstrap servers, comma-separated.")
    String bootstrapServers;

    @Option(names = "--input-topic", required = true, paramLabel = "T", description = "Topic to read.")
    String inputTopic;

    @Option(names = "--output-topic", required = true, paramLabel = "T", description = "Topic for enriched records.")
    String outputTopic;

    @Option(names = "--dead-letter-topic", required = true, paramLabel = "T",
            description = "Topic for records that cannot be enriched (original bytes, reason in headers).")
    String deadLetterTopic;

    @CommandLine.Mixin
    InferenceFlags inference;

    @Option(names = "--group-id", paramLabel = "G", defaultValue = "streamrt-enrich",
            description = "Consumer group, also the prefix of the sinks' transactional ids. Default: ${DEFAULT-VALUE}.")
    String groupId;

    @Option(names = "--text-field", paramLabel = "NAME", defaultValue = "text",
            description = "JSON field holding the text. Default: ${DEFAULT-VALUE}.")
    String textField;

    @Option(names = "--id-field", paramLabel = "NAME", defaultValue = "id",
            description = "JSON field holding the record id (optional in records). Default: ${DEFAULT-VALUE}.")
    String idField;

    @Option(names = "--text-pair-field", paramLabel = "NAME",
            description = "JSON field holding the second text of a pair (cross-encoders, rerankers): the text and it "
                    + "are encoded as the tokenizer's pair encoding. Default: none (single texts).")
    String textPairField;

    @Option(names = "--parallelism", paramLabel = "N", defaultValue = "0",
            description = "Job parallelism; 0 (default) keeps the environment's.")
    int parallelism;

    @Option(names = "--checkpoint-interval-ms", paramLabel = "MS", defaultValue = "5000",
            description = "Checkpoint interval; exactly-once output becomes visible at each checkpoint. "
                    + "Default: ${DEFAULT-VALUE}.")
    long checkpointIntervalMs;

    @Option(names = "--delivery", paramLabel = "MODE", defaultValue = "exactly-once",
            description = "exactly-once (default) or at-least-once.")
    String delivery;

    @Option(names = "--starting-offsets", paramLabel = "WHERE", defaultValue = "earliest",
            description = "earliest (default), latest, or committed (the group's offsets, earliest where none).")
    String startingOffsets;

    @Option(names = "--bounded",
            description = "Read each partition up to its end offset at start, then finish; exits 0 once every "
                    + "record is committed.")
    boolean bounded;

    @Option(names = "--kafka-property", paramLabel = "KEY=VALUE",
            description = "A Kafka client property for the source and both sinks (e.g. security.protocol=SSL); "
                    + "repeatable; wins over --kafka-properties-file.")
    Map<String, String> kafkaProperties = new LinkedHashMap<>();

    @Option(names = "--kafka-check-timeout-ms", paramLabel = "MS", defaultValue = "30000",
            description = "Before submitting, check within this long that the brokers answer, the input topic exists, "
                    + "the output and dead-letter topics exist (or are created on first use) and, for exactly-once, "
                    + "that the brokers allow the sinks' transaction timeout; 0 skips the check (for a submitter "
                    + "that cannot reach the brokers). Default: ${DEFAULT-VALUE}.")
    long kafkaCheckTimeoutMs;

    @Option(names = "--kafka-properties-file", paramLabel = "FILE",
            description = "A Java properties file of Kafka client properties for the source and both sinks, read "
                    + "where the job is submitted: keeps SASL/SSL secrets out of the command line (which "
                    + "Flink shows in its UI and logs in application mode).")
    Path kafkaPropertiesFile;

    @CommandLine.Mixin
    MetricsPortFlag metrics;

    /** The validated configuration; errors name the flag and the accepted values. */
    EnrichConfig config() {
        inference.validate(spec.commandLine());
        metrics.validate(spec.commandLine());
        InferenceFlags.atLeast(spec.commandLine(), "--checkpoint-interval-ms", checkpointIntervalMs, 1);
        InferenceFlags.atLeast(spec.commandLine(), "--parallelism", parallelism, 0);
        EnrichConfig.Delivery deliveryMode = choice("--delivery", delivery, EnrichConfig.Delivery.values());
        EnrichConfig.StartingOffsets offsets =
                choice("--starting-offsets", startingOffsets, EnrichConfig.StartingOffsets.values());
        Configuration operator = OptionFlags.read(spec);
        if (text("--labels") != null && operator.get(InferenceOptions.LABELS).isEmpty()) {
            throw bad("--labels must name at least one label, e.g. --labels \"sports,politics,technology\"");
        }
        InferenceFlags.atLeast(spec.commandLine(), "--kafka-check-timeout-ms", kafkaCheckTimeoutMs, 0);
        Map<String, String> kafka = new LinkedHashMap<>(readKafkaPropertiesFile());
        kafka.putAll(kafkaProperties);
        String transactionTimeout = kafka.get("transaction.timeout.ms");
        if (transactionTimeout != null && !transactionTimeout.trim().matches("[1-9][0-9]{0,17}")) {
            throw bad("Kafka property transaction.timeout.ms must be a positive whole number of milliseconds, found '"
                    + transactionTimeout + "'");
        }
        String batching = text("--batching");
        if (!batching.equals("adaptive") && !batching.equals("static")) {
            throw bad("Invalid value for option '--batching': expected one of [adaptive, static] but was '" + batching
                    + "'");
        }
        try {
            OutputFields.parse(text("--output-fields"), EmbeddingEncoding.parse(text("--embedding-encoding")));
        } catch (IllegalArgumentException e) {
            throw bad("Invalid value for option '" + (e.getMessage().contains("encoding") ? "--embedding-encoding"
                    : "--output-fields") + "': " + e.getMessage());
        }
        checkChoice("--task", text("--task"), Task::of);
        checkChoice("--pooling", text("--pooling"), Pooling::of);
        checkChoice("--aggregation", text("--aggregation"), Aggregation::of);
        if (textPairField != null && (textPairField.isBlank() || textPairField.equals(textField))) {
            throw bad("--text-pair-field must name another JSON field than --text-field '" + textField + "', found '"
                    + textPairField + "'");
        }
        try {
            EnrichConfig config = EnrichConfig.builder(bootstrapServers, inputTopic, outputTopic, deadLetterTopic)
                    .groupId(groupId)
                    .textField(textField)
                    .idField(idField)
                    .parallelism(parallelism)
                    .checkpointIntervalMs(checkpointIntervalMs)
                    .delivery(deliveryMode)
                    .startingOffsets(offsets)
                    .bounded(bounded)
                    .kafkaProperties(kafka)
                    .textPairField(textPairField)
                    .inference(operator)
                    .build();
            // The operator's own checks of how its settings fit together, before anything starts.
            EnrichPipeline.inference(config).build();
            return config;
        } catch (IllegalArgumentException e) {
            throw bad(e.getMessage());
        }
    }

    private Map<String, String> readKafkaPropertiesFile() {
        if (kafkaPropertiesFile == null) {
            return Map.of();
        }
        Properties properties = new Properties();
        try (Reader in = Files.newBufferedReader(kafkaPropertiesFile, StandardCharsets.UTF_8)) {
            properties.load(in);
        } catch (NoSuchFileException e) {
            throw bad("--kafka-properties-file " + kafkaPropertiesFile + " does not exist (looked for "
                    + kafkaPropertiesFile.toAbsolutePath() + "); pass a readable Java properties file");
        } catch (IOException | IllegalArgumentException e) {
            // The message of a malformed unicode escape or an I/O error; never the file's contents.
            throw bad("--kafka-properties-file " + kafkaPropertiesFile + " cannot be read as Java properties: "
                    + e.getMessage());
        }
        Map<String, String> values = new LinkedHashMap<>();
        properties.stringPropertyNames().stream().sorted().forEach(key -> values.put(key, properties.getProperty(key)));
        return values;
    }

    private <E extends Enum<E> & EnrichConfig.FlagValue> E choice(String flag, String value, E[] options) {
        for (E option : options) {
            if (option.flag().equals(value)) {
                return option;
            }
        }
        List<String> accepted = Arrays.stream(options).map(EnrichConfig.FlagValue::flag).toList();
        throw bad("Invalid value for option '" + flag + "': expected one of " + accepted + " but was '" + value + "'");
    }


    /** A usage error naming the flag unless {@code value} is absent or {@code parse} accepts it. */
    private void checkChoice(String flag, String value, java.util.function.Function<String, ?> parse) {
        if (value == null) {
            return;
        }
        try {
            parse.apply(value);
        } catch (IllegalArgumentException e) {
            throw bad("Invalid value for option '" + flag + "': " + e.getMessage());
        }
    }

    /** A flag's value as given, or its default; null where it has none. */
    private Object value(String flag) {
        return spec.findOption(flag).getValue();
    }

    private String text(String flag) {
        Object value = value(flag);
        return value == null ? null : value.toString();
    }

    private CommandLine.ParameterException bad(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }

    @Override
    public Integer call() throws Exception {
        EnrichConfig config = config();
        // Fail here, with the reason, rather than in every task after submission. Under java -jar the engine runs in
        // this JVM, so it must run here; submitted to a cluster (flink run, the REST API, application mode: main()
        // in a client or the JobManager, without a GPU), only the model is checked, and the TaskManagers say whether
        // they can run the engine.
        ModelCheck model;
        try {
            EngineSpec engine = new EngineSpec(config.model(), config.tokenizer(), config.engine(), 0,
                    config.maxBatchSize(), config.maxSequenceLength(), 0);
            model = StreamRtCli.ownsJvm() ? EngineRegistry.shared().check(engine, config.modelTask().choices())
                    : EngineRegistry.shared().checkForCluster(engine, config.modelTask().choices());
        } catch (RuntimeException e) {
            spec.commandLine().getErr().println("streamrt enrich: " + StreamRtCli.FLAGS.messageOf(e));
            return 2;
        }
        if (!TaskOutputs.labelsFit(model.plan().task(), !config.labels().isEmpty())) {
            spec.commandLine().getErr().println("streamrt enrich: " + TaskOutputs.labelsNeedEmbeddings(
                    config.model(), model.plan().task(), model.plan().describe(StreamRtCli.FLAGS), TaskOutputs.Words.COMMAND_LINE));
            return 2;
        }
        Task used = model.plan().task();
        OutputFields output = config.modelTask().output();
        if (!TaskOutputs.missing(output, used, !config.labels().isEmpty(), config.modelTask().topK()).isEmpty()) {
            spec.commandLine().getErr().println("streamrt enrich: --output-fields: " + TaskOutputs.missingMessage(
                    output, used, !config.labels().isEmpty(), config.modelTask().topK(),
                    TaskOutputs.Words.COMMAND_LINE));
            return 2;
        }
        spec.commandLine().getOut().println("streamrt enrich: " + model.describe(StreamRtCli.FLAGS).replace("\n", "\n  ")
                + "\n  output: " + String.join(", ", output.fields().isEmpty() ? TaskOutputs.given(used,
                        !config.labels().isEmpty(), config.modelTask().topK()) : output.names())
                + (output.has("embedding") && used == Task.EMBEDDING ? " (embedding as "
                        + output.embeddingEncoding().id() + ")" : ""));
        Configuration localCluster = metrics.localClusterConfiguration(spec.commandLine());
        spec.commandLine().getOut().flush();
        if (kafkaCheckTimeoutMs > 0) {
            try {
                KafkaPreflight.check(config, Duration.ofMillis(kafkaCheckTimeoutMs));
            } catch (KafkaPreflight.Failure e) {
                spec.commandLine().getErr().println("streamrt enrich: " + e.getMessage()
                        + " (checked before submitting; --kafka-check-timeout-ms 0 skips the check)");
                return 2;
            }
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(localCluster);
        EnrichPipeline.build(env, config);
        String jobName = "StreamRT enrich: " + config.inputTopic() + " -> " + config.outputTopic();
        if (StreamRtCli.ownsJvm()) {
            LocalCluster.run(env, jobName); // exits non-zero with the reason if its TaskManager is lost
        } else {
            env.execute(jobName);
        }
        return 0;
    }
}
