package io.streamrt.jobs.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamrt.jobs.enrich.EnrichConfig;
import io.streamrt.jobs.enrich.EnrichPipeline;
import io.streamrt.jobs.kafka.EmbeddedKafka;
import io.streamrt.operators.InferenceOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.ToDoubleFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.data.category.DefaultCategoryDataset;

/**
 * What the record path costs with the engine out of the way: a plain Flink job (Kafka, parse the JSON and add a
 * field, Kafka; no model) against the enrich job on an engine that costs about nothing (the simulated GPU at a tiny
 * time scale), with the embedding as base64 float16 and as JSON numbers. One input topic, written once before the
 * round's jobs start, read by every job from its beginning: the same records, broker and parallelism for all. Each
 * job's rate is its measured records over the span between the first and the last of their outputs' append times
 * (the output topics keep LogAppendTime); the warm-up records ahead of them let the JIT compile the hot paths first.
 * Nothing reads the outputs while a job runs: the harness waits on the topics' end offsets, then reads them back.
 * Rounds run the jobs in turn, each round in a rotated order, after a round that is not reported (the JVM's JIT
 * compiles Kafka's, Flink's and StreamRT's paths in it: the figures are a long-running TaskManager's); the ratios are
 * taken within a round and their median reported.
 *
 * <pre>{@code
 * EngineFreeBench.Report report = new EngineFreeBench(kafka, template, values, 20_000, System.err::println)
 *         .run(3, () -> {}, what -> {}, run -> {});
 * }</pre>
 */
final class EngineFreeBench {

    /** The simulated GPU's time scale unless {@code --simulated-time-scale} is given: batches cost microseconds. */
    static final double TIME_SCALE = 0.001;

    /** Issue 24's targets: enrich on a free engine over the plain job, by embedding encoding. */
    static final Map<String, Double> TARGETS = Map.of("base64-f16", 0.33, "json", 0.2);

    /** The jobs of a round, in the first round's order. */
    static final List<String> JOBS = List.of("plain", "base64-f16", "json");

    private static final String WARM_UP_PREFIX = "w-";
    private static final String MEASURED_PREFIX = "m-";
    private static final Duration JOB_TIMEOUT = Duration.ofMinutes(10);

    /**
     * One job's run.
     *
     * @param job {@code plain} or the enrich job's embedding encoding
     * @param recordsPerS measured records over the span of their outputs' append times
     * @param bytesPerOutput mean size of a measured output value
     */
    record Run(int round, String job, double recordsPerS, double spanSeconds, double bytesPerOutput) {}

    /**
     * @param records measured records per job
     * @param warmUp records ahead of them, not measured
     */
    record Report(int records, int warmUp, int parallelism, double timeScale, List<Run> runs) {

        /** The job's figure, round by round. */
        double[] each(String job, ToDoubleFunction<Run> figure) {
            return runs.stream().filter(r -> r.job().equals(job)).mapToDouble(figure).toArray();
        }

        double median(String job) {
            return medianOf(each(job, Run::recordsPerS));
        }

        /** The job's rate over the plain job's, round by round. */
        double[] ratios(String job) {
            return each(job, r -> r.recordsPerS() / runs.stream()
                    .filter(p -> p.round() == r.round() && p.job().equals("plain")).findFirst().orElseThrow()
                    .recordsPerS());
        }

        double medianRatio(String job) {
            return medianOf(ratios(job));
        }

        int rounds() {
            return runs.size() / JOBS.size();
        }

        String markdown() {
            StringBuilder md = new StringBuilder(String.format(Locale.ROOT, "Engine-free record path (parallelism %d, "
                    + "%,d records after %,d warm-up records, %d rounds; enrich on the simulated GPU at time scale "
                    + "%s, adaptive, at least once):%n%n", parallelism, records, warmUp, rounds(), timeScale));
            md.append("| job | records/s by round | median | vs plain by round | median ratio | target | bytes/record |\n");
            md.append("|---|---|---:|---|---:|---:|---:|\n");
            for (String job : JOBS) {
                Double target = TARGETS.get(job);
                md.append(String.format(Locale.ROOT, "| %s | %s | %,.0f | %s | %.2fx | %s | %,.0f |%n", label(job),
                        join(each(job, Run::recordsPerS), "%,.0f"), median(job), join(ratios(job), "%.2fx"),
                        medianRatio(job), target == null ? "" : String.format(Locale.ROOT, ">= %.2fx %s", target,
                                medianRatio(job) >= target ? "met" : "NOT met"),
                        Arrays.stream(each(job, Run::bytesPerOutput)).average().orElse(0)));
            }
            return md.toString();
        }

        void write(Path file, String date, String machine, String model) throws IOException {
            ObjectNode root = BenchJson.root(date, machine, model);
            root.put("records", records).put("warm_up_records", warmUp).put("parallelism", parallelism)
                    .put("simulated_time_scale", timeScale);
            ArrayNode array = root.putArray("runs");
            for (Run r : runs) {
                array.addObject().put("round", r.round()).put("job", r.job()).put("records_per_s", r.recordsPerS())
                        .put("span_s", r.spanSeconds()).put("bytes_per_record", r.bytesPerOutput());
            }
            ObjectNode medians = root.putObject("median");
            for (String job : JOBS) {
                ObjectNode m = medians.putObject(job).put("records_per_s", median(job));
                if (!job.equals("plain")) {
                    m.put("ratio_to_plain", medianRatio(job)).put("target", TARGETS.get(job));
                }
            }
            BenchJson.write(file, root);
        }

        /** Bars: each job's median records/s, labelled with its median ratio. */
        void chart(Path png) throws IOException {
            DefaultCategoryDataset data = new DefaultCategoryDataset();
            for (String job : JOBS) {
                data.addValue(median(job), "median records/s", job.equals("plain") ? "plain Flink"
                        : String.format(Locale.ROOT, "enrich %s (%.2fx)", job, medianRatio(job)));
            }
            JFreeChart chart = ChartFactory.createBarChart(String.format(Locale.ROOT,
                    "Engine-free throughput, parallelism %d, median of %d rounds", parallelism, rounds()),
                    "", "records/s", data, PlotOrientation.VERTICAL, false, false, false);
            BenchChart.sideBySide(png, 720, 480, BenchChart.whiteBars(chart));
        }

        private static String label(String job) {
            return job.equals("plain") ? "plain Flink job (parse JSON, add a field)" : "enrich, embedding " + job;
        }

        private static String join(double[] values, String format) {
            return String.join(", ", Arrays.stream(values).mapToObj(v -> String.format(Locale.ROOT, format, v))
                    .toList());
        }
    }

    private final EmbeddedKafka kafka;
    private final EnrichConfig template;
    private final List<byte[]> values;
    private final int warmUp;
    private final Consumer<String> log;

    /**
     * @param template the enrich job's settings (engine, parallelism, checkpoints); topics and encoding are set here
     * @param values the measured records' values
     * @param warmUp records written ahead of them (cycling through {@code values}), not measured
     */
    EngineFreeBench(EmbeddedKafka kafka, EnrichConfig template, List<byte[]> values, int warmUp,
            Consumer<String> log) {
        this.kafka = kafka;
        this.template = template;
        this.values = List.copyOf(values);
        this.warmUp = warmUp;
        this.log = log;
    }

    /**
     * Writes the input, then runs {@code rounds} rounds; tells when the input is written, and before and after each
     * job's run.
     */
    Report run(int rounds, Runnable written, Consumer<String> starting, Consumer<Run> finished) throws Exception {
        String input = "engine-free-in";
        kafka.createTopics(template.parallelism(), input);
        writeInput(input);
        written.run();
        List<Run> runs = new ArrayList<>();
        int number = 0;
        // Round 0 warms the JVM up and is not reported: in a fresh JVM the first job pays for compiling Kafka's and
        // Flink's paths, and the plain job, whose run lasts a second or two, would be measured mostly cold.
        for (int round = 0; round <= rounds; round++) {
            for (int i = 0; i < JOBS.size(); i++) {
                String job = JOBS.get(Math.floorMod(i + round - 1, JOBS.size()));
                starting.accept(round == 0 ? "engine-free warm-up round (not reported): " + Report.label(job)
                        : String.format(Locale.ROOT, "engine-free round %d of %d: %s", round, rounds,
                                Report.label(job)));
                Run run = measure(round, job, input, "engine-free-" + (++number) + "-" + job);
                if (round > 0) {
                    runs.add(run);
                }
                finished.accept(run);
            }
        }
        return new Report(values.size(), warmUp, template.parallelism(),
                template.inference().get(InferenceOptions.SIMULATED_TIME_SCALE), runs);
    }

    private void writeInput(String input) {
        Properties properties = kafka.clientProperties();
        properties.setProperty(ProducerConfig.LINGER_MS_CONFIG, "5");
        properties.setProperty(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(256 * 1024));
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(properties, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < warmUp; i++) {
                producer.send(new ProducerRecord<>(input, key(WARM_UP_PREFIX, i), values.get(i % values.size())));
            }
            for (int i = 0; i < values.size(); i++) {
                producer.send(new ProducerRecord<>(input, key(MEASURED_PREFIX, i), values.get(i)));
            }
            producer.flush();
        }
    }

    private Run measure(int round, String job, String input, String run) throws Exception {
        String output = run + "-out";
        String deadLetter = run + "-dlq";
        kafka.createTopics(template.parallelism(), output, deadLetter);
        appendTimes(output, deadLetter);
        StreamExecutionEnvironment env = BenchJob.environment(template.parallelism());
        if (job.equals("plain")) {
            PlainFlinkJob.build(env, kafka.bootstrapServers(), input, output, run, template.textField(),
                    template.parallelism(), template.checkpointIntervalMs());
        } else {
            EnrichConfig config = template.withModelTask(template.modelTask().withOutput(EncodingBench.output(job)))
                    .toBuilder(input, output, deadLetter)
                    .groupId(run)
                    .delivery(EnrichConfig.Delivery.AT_LEAST_ONCE)
                    .startingOffsets(EnrichConfig.StartingOffsets.EARLIEST)
                    .bounded(false)
                    .build();
            EnrichPipeline.build(env, config);
        }
        log.accept(run + ": " + (warmUp + values.size()) + " records");
        BenchJob running = BenchJob.of(env.executeAsync("bench " + run));
        try {
            awaitOutputs(running, List.of(output, deadLetter), warmUp + values.size(), run);
        } finally {
            running.cancel();
        }
        return span(round, job, output, deadLetter, run);
    }

    /** The broker stamps each output as it appends it: the rate is the job's, whatever the sink's clock. */
    private void appendTimes(String... topics) throws Exception {
        Properties properties = kafka.clientProperties();
        try (Admin admin = Admin.create(properties)) {
            Map<ConfigResource, Collection<AlterConfigOp>> changes = new LinkedHashMap<>();
            for (String topic : topics) {
                changes.put(new ConfigResource(ConfigResource.Type.TOPIC, topic), List.of(new AlterConfigOp(
                        new ConfigEntry(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, "LogAppendTime"),
                        AlterConfigOp.OpType.SET)));
            }
            admin.incrementalAlterConfigs(changes).all().get(30, TimeUnit.SECONDS);
        }
    }

    /** Waits, reading only end offsets, until the topics hold {@code expected} records. */
    private void awaitOutputs(BenchJob job, List<String> topics, long expected, String run) throws Exception {
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(run + "-offsets")) {
            List<TopicPartition> partitions = partitions(consumer, topics);
            long deadline = System.nanoTime() + JOB_TIMEOUT.toNanos();
            while (true) {
                long total = consumer.endOffsets(partitions).values().stream().mapToLong(Long::longValue).sum();
                if (total >= expected) {
                    return;
                }
                job.failIfEnded();
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(run + " wrote " + total + " of " + expected + " records within "
                            + JOB_TIMEOUT.toMinutes() + " minutes; check the log above");
                }
                Thread.sleep(250);
            }
        }
    }

    /** Reads the outputs back: the span of the measured records' append times, and their mean size. */
    private Run span(int round, String job, String output, String deadLetter, String run) {
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        long bytes = 0;
        int measured = 0;
        int dead = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(run + "-reader")) {
            List<TopicPartition> partitions = partitions(consumer, List.of(output, deadLetter));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    if (!startsWith(record.key(), MEASURED_PREFIX)) {
                        continue;
                    }
                    if (record.topic().equals(deadLetter)) {
                        dead++;
                        continue;
                    }
                    measured++;
                    bytes += record.serializedValueSize();
                    first = Math.min(first, record.timestamp());
                    last = Math.max(last, record.timestamp());
                }
            }
        }
        if (dead > 0 || measured < values.size()) {
            throw new IllegalStateException(run + ": " + measured + " of " + values.size() + " measured records "
                    + "enriched and " + dead + " dead letters; the engine-free comparison needs every record "
                    + "enriched");
        }
        double seconds = Math.max(1, last - first) / 1000.0;
        return new Run(round, job, measured / seconds, seconds, bytes / (double) measured);
    }

    private KafkaConsumer<byte[], byte[]> consumer(String clientId) {
        Properties properties = kafka.clientProperties();
        properties.setProperty(ConsumerConfig.CLIENT_ID_CONFIG, BenchTopics.HARNESS_CLIENT_PREFIX + clientId);
        properties.setProperty(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, String.valueOf(8 * 1024 * 1024));
        return new KafkaConsumer<>(properties, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    private static List<TopicPartition> partitions(KafkaConsumer<byte[], byte[]> consumer, List<String> topics) {
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : topics) {
            consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
        }
        return partitions;
    }

    private static boolean startsWith(byte[] key, String prefix) {
        if (key == null || key.length < prefix.length()) {
            return false;
        }
        for (int i = 0; i < prefix.length(); i++) {
            if (key[i] != prefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static byte[] key(String prefix, int i) {
        return (prefix + i).getBytes(StandardCharsets.UTF_8);
    }

    private static double medianOf(double[] values) {
        if (values.length == 0) {
            return 0;
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
