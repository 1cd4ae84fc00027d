package io.streamrt.jobs.metrics;

import io.streamrt.jobs.StreamRtCli;
import io.streamrt.jobs.demo.DemoTexts;
import io.streamrt.jobs.demo.MalformedValue;
import io.streamrt.jobs.kafka.EmbeddedKafka;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * An unbounded {@code enrich} run as {@code java -jar} runs it (its own local mini cluster, in a thread of this JVM)
 * under a steady trickle of input, well-formed texts and a few malformed records, so that every rate a dashboard shows
 * moves while Prometheus scrapes it. {@link #close} stops the input, then the job (interrupting the command, which
 * stops its mini cluster).
 *
 * <pre>{@code
 * try (EnrichUnderLoad run = EnrichUnderLoad.start(kafka, "metrics", 100, "--metrics-port", "9250")) {
 *     ... scrape ...
 * }
 * }</pre>
 */
final class EnrichUnderLoad implements AutoCloseable {

    /** Input is written every this long. */
    static final Duration TICK = Duration.ofMillis(250);

    private final ScheduledExecutorService producing;
    private final KafkaProducer<byte[], byte[]> producer;
    private final Thread job;
    private final AtomicReference<Integer> exit;
    private final AtomicInteger produced;

    private EnrichUnderLoad(ScheduledExecutorService producing, KafkaProducer<byte[], byte[]> producer,
            AtomicInteger produced, Thread job, AtomicReference<Integer> exit) {
        this.producing = producing;
        this.produced = produced;
        this.producer = producer;
        this.job = job;
        this.exit = exit;
    }

    /**
     * Creates the job's topics ({@code in-<name>}, {@code out-<name>}, {@code dlq-<name>}, 2 partitions each), starts
     * writing {@code perSecond} records a second to the input (one in 20 malformed) and starts {@code enrich} at
     * parallelism 2 on the CPU engine with {@code extraFlags}.
     */
    static EnrichUnderLoad start(EmbeddedKafka kafka, String name, int perSecond, String... extraFlags) {
        String input = "in-" + name;
        kafka.createTopics(2, input, "out-" + name, "dlq-" + name);
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(kafka.clientProperties(),
                new ByteArraySerializer(), new ByteArraySerializer());
        List<DemoTexts.DemoText> texts = DemoTexts.generate(2_000, 3);
        List<MalformedValue> malformed = DemoTexts.malformedValues(2, "text", "id");
        int perTick = Math.max(1, (int) (perSecond * TICK.toMillis() / 1000));
        ScheduledExecutorService producing = new ScheduledThreadPoolExecutor(1);
        AtomicInteger produced = new AtomicInteger();
        producing.scheduleAtFixedRate(() -> {
            for (int i = 0; i < perTick; i++) {
                int n = produced.getAndIncrement();
                byte[] key = ("k-" + n).getBytes(StandardCharsets.UTF_8);
                byte[] value = n % 20 == 19 ? malformed.get(n / 20 % malformed.size()).value()
                        : DemoTexts.toJson(texts.get(n % texts.size()), "text", "id");
                producer.send(new ProducerRecord<>(input, key, value));
            }
        }, 0, TICK.toMillis(), TimeUnit.MILLISECONDS);

        List<String> args = new ArrayList<>(List.of("enrich", "--bootstrap-servers", kafka.bootstrapServers(),
                "--input-topic", input, "--output-topic", "out-" + name, "--dead-letter-topic", "dlq-" + name,
                "--group-id", name, "--engine", "onnxruntime", "--parallelism", "2",
                "--checkpoint-interval-ms", "2000"));
        args.addAll(List.of(extraFlags));
        AtomicReference<Integer> exit = new AtomicReference<>();
        Thread job = new Thread(() -> exit.set(StreamRtCli.execute(args.toArray(new String[0]))), "enrich-" + name);
        job.start();
        return new EnrichUnderLoad(producing, producer, produced, job, exit);
    }

    /** Records written to the input so far. */
    int produced() {
        return produced.get();
    }

    /** The command's exit status where it ended already (it should not: the job is unbounded). */
    Integer exitStatus() {
        return exit.get();
    }

    @Override
    public void close() throws InterruptedException {
        producing.shutdownNow();
        producing.awaitTermination(10, TimeUnit.SECONDS);
        producer.close(Duration.ofSeconds(10));
        // LocalCluster waits for the job in a loop that an interrupt ends; leaving it closes the mini cluster.
        job.interrupt();
        job.join(Duration.ofSeconds(60).toMillis());
    }
}
