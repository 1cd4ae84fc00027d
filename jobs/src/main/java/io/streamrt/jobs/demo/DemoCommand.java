package io.streamrt.jobs.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamrt.jobs.InferenceFlags;
import io.streamrt.jobs.OptionFlags;
import io.streamrt.operators.InferenceOptions;
import io.streamrt.jobs.enrich.EnrichConfig;
import io.streamrt.jobs.enrich.EnrichPipeline;
import io.streamrt.jobs.kafka.EmbeddedKafka;
import io.streamrt.jobs.sql.SqlCommand;
import io.streamrt.jobs.sql.SqlScript;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code demo}: the whole path on one machine, nothing to install. Starts a real Kafka broker in-process,
 * produces generated texts plus malformed records, runs the enrich job bounded on a local Flink mini cluster with
 * the builtin INT8 MiniLM, and prints enriched samples and a summary.
 *
 * <pre>{@code
 * java -jar jobs/target/streamrt-jobs.jar demo --records 2000
 * }</pre>
 */
@Command(name = "demo", mixinStandardHelpOptions = true, modelTransformer = OptionFlags.class, sortOptions = false,
        description = "Runs the enrich job end to end on an in-process Kafka broker and a local Flink mini cluster.")
public final class DemoCommand implements Callable<Integer> {

    static final String INPUT = "demo-texts";
    static final String OUTPUT = "demo-enriched";
    static final String DEAD_LETTER = "demo-dead-letter";
    /** The SQL demo's script, a resource of the job jar. */
    static final String SQL_SCRIPT = "sql/demo.sql";

    /**
     * The malformed records the SQL demo produces: JSON objects whose text is missing, null, empty or blank. The
     * others would not reach the model as a bad row: SQL's json format fails the job on a value that is not JSON,
     * and reads a number or an object in the text field as its JSON text.
     */
    private static final Set<MalformedValue.Kind> SQL_MALFORMED = EnumSet.of(MalformedValue.Kind.TEXT_MISSING,
            MalformedValue.Kind.TEXT_NULL, MalformedValue.Kind.TEXT_EMPTY, MalformedValue.Kind.TEXT_BLANK);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    InferenceFlags inference;

    @Option(names = "--records", paramLabel = "N", defaultValue = "2000",
            description = "Well-formed texts to produce. Default: ${DEFAULT-VALUE}.")
    int records;

    @Option(names = "--malformed-per-kind", paramLabel = "N", defaultValue = "2",
            description = "Malformed records of each of the 13 kinds (not UTF-8, not JSON, no text, ...). "
                    + "Default: ${DEFAULT-VALUE}.")
    int malformedPerKind;

    @Option(names = "--labels", paramLabel = "L1,L2,...", defaultValue = "sports,politics,technology",
            description = "Zero-shot labels. Default: ${DEFAULT-VALUE}.")
    String labels;

    @Option(names = "--parallelism", paramLabel = "N", defaultValue = "2",
            description = "Subtasks; all share one engine. Default: ${DEFAULT-VALUE}.")
    int parallelism;

    @Option(names = "--show", paramLabel = "N", defaultValue = "6", description = "Enriched records to print.")
    int show;

    @CommandLine.Mixin
    SeedFlag seed;

    @Option(names = "--sql", description = "Runs the pipeline as Flink SQL instead (the script " + SQL_SCRIPT
            + " in the jar: Kafka table -> ML_PREDICT on a streamrt model -> Kafka tables, exactly once). Its "
            + "malformed records are the JSON objects whose text is missing, null, empty or blank: SQL's json format fails "
            + "the job on a value that is not JSON.")
    boolean sql;

    @Option(names = "--documents", description = "Long documents instead of short texts (200 unless --records says "
            + "otherwise): each is cut into overlapping windows of tokens (--long-text chunk) and every window becomes "
            + "an output record of its own, keyed <id>#<window> (--chunk-output records).")
    boolean documents;

    @Option(names = "--max-concurrent-operations", paramLabel = "N", defaultValue = "256",
            description = "--sql only: ML_PREDICT's rows in flight per subtask (Flink's default, 10, caps a batch at "
                    + "10 rows per subtask). Default: ${DEFAULT-VALUE}.")
    int maxConcurrentOperations;

    @Override
    public Integer call() throws Exception {
        inference.validate(spec.commandLine());
        InferenceFlags.atLeast(spec.commandLine(), "--records", records, 1);
        InferenceFlags.atLeast(spec.commandLine(), "--parallelism", parallelism, 1);
        InferenceFlags.atLeast(spec.commandLine(), "--malformed-per-kind", malformedPerKind, 0);
        if (documents && sql) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--documents runs the enrich job; it cannot "
                    + "be combined with --sql");
        }
        if (documents && !spec.commandLine().getParseResult().hasMatchedOption("--records")) {
            records = 200;
        }
        PrintWriter out = spec.commandLine().getOut();
        try (EmbeddedKafka kafka = EmbeddedKafka.startQuietly(null)) {
            kafka.createTopics(parallelism, INPUT, OUTPUT, DEAD_LETTER);
            int total = produce(kafka);
            out.printf("Kafka broker at %s; produced %,d %s and %,d malformed records to '%s'.%n",
                    kafka.bootstrapServers(), records, documents ? "documents" : "texts", total - records, INPUT);
            if (sql) {
                out.println("Running " + SQL_SCRIPT + " (Flink SQL: ML_PREDICT on a streamrt model).");
            }
            out.flush();

            CompletableFuture<Long> runtimeMs = sql ? runSql(kafka) : runDataStream(kafka);
            DemoResults results = new DemoResults(show, documents);
            try (KafkaConsumer<byte[], byte[]> consumer = committedReader(kafka);
                    ProgressBar bar = new ProgressBarBuilder().setTaskName("Enriching").setInitialMax(total)
                            .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(250).continuousUpdate()
                            .build()) {
                Long runtime = null;
                long deadline = Long.MAX_VALUE;
                while (results.count() < total) {
                    for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                        results.add(record);
                    }
                    bar.stepTo(results.count());
                    if (runtime == null && runtimeMs.isDone()) {
                        runtime = runtimeMs.get();
                        // Everything is committed once the bounded job has finished; allow time to read it.
                        deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                    }
                    if (System.nanoTime() > deadline) {
                        break;
                    }
                }
                if (runtime == null) {
                    runtime = runtimeMs.get();
                }
                bar.stepTo(results.count());
                bar.close();
                results.print(out, total, runtime);
            }
            return results.count() == total ? 0 : 1;
        }
    }

    /** Runs the enrich job; completes with its run time once it has finished. */
    private CompletableFuture<Long> runDataStream(EmbeddedKafka kafka) throws Exception {
        EnrichConfig config = EnrichConfig.builder(kafka.bootstrapServers(), INPUT, OUTPUT, DEAD_LETTER)
                .groupId("streamrt-demo")
                .parallelism(parallelism)
                .checkpointIntervalMs(1000)
                .bounded(true)
                .inference(OptionFlags.read(spec))
                .set(InferenceOptions.LABELS, labelList())
                .set(InferenceOptions.LONG_TEXT, documents ? "chunk" : "truncate")
                .set(InferenceOptions.CHUNK_OUTPUT, documents ? "records" : "document")
                .build();
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(parallelism,
                new Configuration());
        EnrichPipeline.build(env, config);
        JobClient job = env.executeAsync("StreamRT demo");
        return job.getJobExecutionResult().thenApply(JobExecutionResult::getNetRuntime);
    }

    /**
     * Runs the SQL demo script, its values filled in, on a local mini cluster; completes with its run time once its
     * statement set has finished, or exceptionally with the statement that failed and why.
     */
    private CompletableFuture<Long> runSql(EmbeddedKafka kafka) throws IOException {
        String script;
        try (var in = DemoCommand.class.getClassLoader().getResourceAsStream(SQL_SCRIPT)) {
            script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Map<String, String> values = Map.ofEntries(Map.entry("bootstrap.servers", kafka.bootstrapServers()),
                Map.entry("input", INPUT), Map.entry("output", OUTPUT), Map.entry("dead-letter", DEAD_LETTER),
                Map.entry("parallelism", String.valueOf(parallelism)), Map.entry("model", inference.model),
                Map.entry("engine", inference.engine), Map.entry("labels", String.join(";", labelList())),
                Map.entry("max-batch-size", String.valueOf(inference.shape.maxBatchSize)),
                Map.entry("latency-target-ms", String.valueOf(inference.latencyTargetMs)),
                Map.entry("max-concurrent-operations", String.valueOf(maxConcurrentOperations)));
        for (var value : values.entrySet()) {
            script = script.replace("${" + value.getKey() + "}", value.getValue());
        }
        List<String> statements = SqlScript.statements(script);
        StringWriter errors = new StringWriter();
        return CompletableFuture.supplyAsync(() -> {
            long start = System.nanoTime();
            StreamTableEnvironment tables = StreamTableEnvironment.create(
                    StreamExecutionEnvironment.createLocalEnvironment(parallelism, new Configuration()));
            try {
                if (SqlCommand.run(tables, statements, new PrintWriter(Writer.nullWriter()),
                        new PrintWriter(errors), 1) != 0) {
                    throw new IllegalStateException(errors.toString().trim());
                }
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return (System.nanoTime() - start) / 1_000_000;
        });
    }

    /** The --labels flag's labels. */
    private List<String> labelList() {
        return Arrays.stream(labels.split(",")).map(String::trim).toList();
    }

    private int produce(EmbeddedKafka kafka) {
        List<ProducerRecord<byte[], byte[]>> batch = new ArrayList<>();
        for (DemoTexts.DemoText text : documents ? seed.documents(records) : seed.texts(records)) {
            batch.add(new ProducerRecord<>(INPUT, bytes(text.id()), DemoTexts.toJson(text, "text", "id")));
        }
        if (malformedPerKind > 0) {
            for (MalformedValue bad : DemoTexts.malformedValues(malformedPerKind, "text", "id")) {
                if (!sql || SQL_MALFORMED.contains(bad.kind())) {
                    batch.add(new ProducerRecord<>(INPUT, bytes(bad.id()), bad.value()));
                }
            }
        }
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(kafka.clientProperties(),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            batch.forEach(producer::send);
            producer.flush();
        }
        return batch.size();
    }

    private static KafkaConsumer<byte[], byte[]> committedReader(EmbeddedKafka kafka) {
        Properties props = kafka.clientProperties();
        props.setProperty("isolation.level", "read_committed");
        KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : List.of(OUTPUT, DEAD_LETTER)) {
            consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        return consumer;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** What the demo read back: counts, latencies, batch sizes and a few samples. */
    static final class DemoResults {

        private final ObjectMapper json = new ObjectMapper();
        private final int samples;
        /** --documents: an input is done when its windows are in; they come in one transaction, window 0 with them. */
        private final boolean documents;
        private int documentsDone;
        private final List<String> sampleLines = new ArrayList<>();
        private final List<Double> latencies = new ArrayList<>();
        private long batchSizeSum;
        private int enriched;
        private int deadLettered;
        private final java.util.TreeMap<String, Integer> reasons = new java.util.TreeMap<>();

        DemoResults(int samples, boolean documents) {
            this.samples = samples;
            this.documents = documents;
        }

        /** A document window's key, doc-000012#13, is wider than a text's id. */
        private int idWidth() {
            return documents ? 14 : 12;
        }

        /** Inputs done: enriched (a document once, whatever its windows) or dead-lettered. */
        int count() {
            return (documents ? documentsDone : enriched) + deadLettered;
        }

        void add(ConsumerRecord<byte[], byte[]> record) throws IOException {
            if (record.topic().equals(DEAD_LETTER)) {
                deadLettered++;
                var reason = record.headers().lastHeader(io.streamrt.serde.DeadLetter.REASON_HEADER);
                reasons.merge(reason == null ? "?" : new String(reason.value(), StandardCharsets.UTF_8), 1, Integer::sum);
                return;
            }
            enriched++;
            JsonNode value = json.readTree(record.value());
            JsonNode inference = value.get("inference");
            JsonNode chunk = inference.path("chunk");
            if (documents && chunk.path("index").asInt(-1) == 0) {
                documentsDone++;
            }
            latencies.add(inference.get("queue_ms").asDouble() + inference.get("infer_ms").asDouble());
            batchSizeSum += inference.get("batch_size").asInt();
            if (sampleLines.size() < samples) {
                String text = value.get("text").asText();
                if (documents) {
                    int[] window = {text.offsetByCodePoints(0, chunk.get("start").asInt()),
                        text.offsetByCodePoints(0, chunk.get("end").asInt())};
                    text = text.substring(window[0], window[1]);
                }
                text = text.replaceAll("\\s+", " ");
                String id = documents ? new String(record.key(), StandardCharsets.UTF_8) : value.path("id").asText();
                sampleLines.add(String.format("  %-" + idWidth() + "s %-11s %6.3f %6d  %s", id,
                        inference.path("label").asText("-"), inference.path("score").asDouble(),
                        inference.get("batch_size").asInt(), text.length() > 60 ? text.substring(0, 57) + "..." : text));
            }
        }

        void print(PrintWriter out, int total, long runtimeMs) {
            out.println();
            out.println("Enriched records (first " + sampleLines.size() + "):");
            out.printf("  %-" + idWidth() + "s %-11s %6s %6s  %s%n", "id", "label", "score", "batch", "text");
            sampleLines.forEach(out::println);
            out.println("Dead-letter reasons: " + reasons);
            latencies.sort(Double::compare);
            double seconds = runtimeMs / 1000.0;
            if (documents) {
                out.printf("Windows: %,d documents enriched as %,d window records (%.1f a document)%n",
                        documentsDone, enriched, documentsDone == 0 ? 0.0 : (double) enriched / documentsDone);
            }
            out.printf("Summary: in %,d | out %,d | dead-letter %,d | %.1f records/s over %.1f s | "
                            + "latency p50 %.1f ms, p99 %.1f ms | mean batch %.1f%n",
                    total, enriched, deadLettered, total / seconds, seconds, percentile(0.50), percentile(0.99),
                    enriched == 0 ? 0.0 : (double) batchSizeSum / enriched);
            out.println("(latency: arrival at the inference operator to result; the whole input was in Kafka at "
                    + "start, so it includes the wait behind the backlog. records/s includes job start-up.)");
            if (count() != total) {
                out.printf("MISMATCH: %,d records in, %,d read back%n", total, count());
            }
            out.flush();
        }

        private double percentile(double q) {
            if (latencies.isEmpty()) {
                return 0;
            }
            return latencies.get((int) Math.min(latencies.size() - 1, Math.ceil(q * latencies.size()) - 1));
        }
    }
}
