package io.streamrt.jobs.kafka;

import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.common.utils.Utils;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A real single-node Kafka 4.2 broker (KRaft, broker and controller in one node) running in this JVM,
 * for the demo and the integration tests.
 *
 * <p>It listens on 127.0.0.1 only, on free ports, and keeps its data in a fresh directory under the
 * base directory it is given; {@link #close()} stops it and deletes that directory. The broker is tuned
 * for a one-node cluster: internal topics have one replica and few partitions, consumer groups do not
 * wait before their first rebalance, and transactions up to 15 minutes are accepted, so Flink's
 * exactly-once {@code KafkaSink} (with {@code transaction.timeout.ms} 60000) can use it.
 *
 * <pre>{@code
 * try (EmbeddedKafka kafka = EmbeddedKafka.start(Path.of("target/kafka"))) {
 *     kafka.createTopics(2, "texts", "enriched");
 *     Properties props = kafka.clientProperties();   // bootstrap.servers=127.0.0.1:<port>
 *     // ... producers, consumers, a Flink job
 * }
 * }</pre>
 *
 * <p>Needs {@code kafka-test-common-runtime}, {@code kafka_2.13} and {@code kafka-server} 4.2.0 on the
 * class path (provided scope: a cluster job never starts a broker).
 */
public final class EmbeddedKafka implements AutoCloseable {

    /** Where {@link #createTopics} gives up waiting for the topics' partitions to have a leader. */
    private static final Duration TOPIC_READY_TIMEOUT = Duration.ofSeconds(30);

    /** The kit numbers brokers from 0; in combined mode node 0 is both broker and controller. */
    private static final int NODE_ID = 0;
    private static final String BROKER_LISTENER = "EXTERNAL";
    private static final String CONTROLLER_LISTENER = "CONTROLLER";

    private final KafkaClusterTestKit cluster;
    private final Path dataDirectory;
    private final String bootstrapServers;
    private final AtomicBoolean closed = new AtomicBoolean();

    private EmbeddedKafka(KafkaClusterTestKit cluster, Path dataDirectory, String bootstrapServers) {
        this.cluster = cluster;
        this.dataDirectory = dataDirectory;
        this.bootstrapServers = bootstrapServers;
    }

    /**
     * Starts a broker whose data lives in a new directory under {@code baseDirectory} (created if
     * missing) and waits until it accepts clients. Takes about two seconds.
     *
     * @param baseDirectory parent of the broker's data directory; {@code null} for {@code java.io.tmpdir}.
     *                      Only the data directory created here is deleted on close, never the parent.
     * @throws IllegalStateException if the broker does not start; the message says why
     */
    public static EmbeddedKafka start(Path baseDirectory) {
        Path parent = baseDirectory != null ? baseDirectory : Path.of(System.getProperty("java.io.tmpdir"));
        Path dataDirectory;
        try {
            Files.createDirectories(parent);
            dataDirectory = Files.createTempDirectory(parent, "embedded-kafka-").toAbsolutePath();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create the Kafka data directory under " + parent
                    + ": check that it is writable or pass another base directory", e);
        }

        LoopbackSocketFactoryManager sockets = new LoopbackSocketFactoryManager();
        KafkaClusterTestKit cluster = null;
        try {
            TestKitNodes nodes = nodes(dataDirectory, sockets);
            KafkaClusterTestKit.Builder builder = new KafkaClusterTestKit.Builder(nodes).setDeleteOnClose(true);
            brokerSettings().forEach(builder::setConfigProp);
            useLoopbackSockets(builder, sockets);
            cluster = builder.build();
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
            String bootstrap = loopbackBootstrap(cluster, sockets);
            return new EmbeddedKafka(cluster, dataDirectory, bootstrap);
        } catch (Exception | Error e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            stopQuietly(cluster, sockets, dataDirectory, e);
            if (e instanceof Error error) {
                throw error;
            }
            if (e instanceof IllegalStateException state) {
                throw state;
            }
            throw new IllegalStateException("The embedded Kafka broker did not start (data in " + dataDirectory
                    + "): " + e + ". Check the log above for the broker's own error.", e);
        }
    }

    /**
     * As {@link #start}, with {@code System.out} muted meanwhile: Kafka's storage formatter prints there and has no
     * switch, and a command that starts a broker keeps its output to its own lines.
     */
    public static EmbeddedKafka startQuietly(Path baseDirectory) {
        PrintStream stdout = System.out;
        System.setOut(new PrintStream(OutputStream.nullOutputStream()));
        try {
            return start(baseDirectory);
        } finally {
            System.setOut(stdout);
        }
    }

    /** {@code host:port} of the broker's client listener, always on 127.0.0.1. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** The directory holding the broker's logs and metadata; deleted by {@link #close()}. */
    public Path dataDirectory() {
        return dataDirectory;
    }

    /** New properties holding only {@code bootstrap.servers}; callers add their own settings. */
    public Properties clientProperties() {
        Properties props = new Properties();
        props.setProperty(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        return props;
    }

    /**
     * Creates topics with one replica and waits until the leader of every partition serves requests, so
     * producers and consumers started right after see them.
     *
     * @throws IllegalStateException if a topic exists already or is not ready within 30 s
     */
    public void createTopics(int partitions, String... names) {
        checkOpen("create topics");
        createTopics(bootstrapServers, partitions, names);
    }

    /**
     * As {@link #createTopics(int, String...)}, on any broker (one replica each): for tests that run their own, e.g. a
     * broker in a child JVM that they stop and start again.
     */
    public static void createTopics(String bootstrapServers, int partitions, String... names) {
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be at least 1, was " + partitions);
        }
        Objects.requireNonNull(names, "names");
        if (names.length == 0) {
            throw new IllegalArgumentException("names is empty: name at least one topic to create");
        }
        for (String name : names) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("Topic names must not be null or blank, got "
                        + Arrays.toString(names));
            }
        }
        List<NewTopic> topics = Arrays.stream(names).map(name -> new NewTopic(name, partitions, (short) 1)).toList();
        long deadline = System.nanoTime() + TOPIC_READY_TIMEOUT.toNanos();
        Properties properties = new Properties();
        properties.setProperty(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        try (Admin admin = Admin.create(properties)) {
            admin.createTopics(topics).all().get(TOPIC_READY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            // The controller acknowledges creation before the broker has loaded the partitions, and the broker
            // publishes a partition's leader in its metadata before its replica manager leads it. A producer that
            // writes in that gap gets NOT_LEADER_OR_FOLLOWER for its first batch while later batches of the same
            // idempotent producer reach the partition, and the Kafka 4.2 client then retries them with
            // OUT_OF_ORDER_SEQUENCE_NUMBER until delivery.timeout.ms expires. So wait until the leader answers.
            while (!allPartitionsLed(admin, List.of(names), partitions)
                    || !allPartitionsServed(admin, List.of(names), partitions)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("Topics " + List.of(names) + " were created but not all "
                            + partitions + " partitions got a leader within " + TOPIC_READY_TIMEOUT.toSeconds()
                            + " s; the broker may be overloaded, check its log");
                }
                Thread.sleep(20);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while creating topics " + List.of(names), e);
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            String fix = cause instanceof TopicExistsException
                    ? "an existing topic keeps its data and partitions: use other names or a fresh EmbeddedKafka"
                    : "check the broker's log above";
            throw new IllegalStateException("Could not create topics " + List.of(names) + " with " + partitions
                    + " partitions on " + bootstrapServers + ": " + cause + "; " + fix, cause);
        }
    }

    /**
     * Stops the broker and deletes its data directory. Safe to call more than once; later calls do nothing.
     *
     * @throws IllegalStateException if the broker did not stop cleanly or the directory could not be deleted
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        Throwable failure = null;
        try {
            cluster.close();
        } catch (Exception e) {
            failure = e;
        }
        try {
            // The kit deletes it too, but not when its shutdown failed half way.
            deleteRecursively(dataDirectory);
        } catch (IOException e) {
            failure = addSuppressed(failure, e);
        }
        if (failure != null) {
            throw new IllegalStateException("The embedded Kafka broker did not shut down cleanly (data in "
                    + dataDirectory + "): " + failure, failure);
        }
    }

    private void checkOpen(String action) {
        if (closed.get()) {
            throw new IllegalStateException("Cannot " + action + ": this EmbeddedKafka is closed. Start a new one.");
        }
    }

    private static TestKitNodes nodes(Path dataDirectory, LoopbackSocketFactoryManager sockets) throws IOException {
        // Pre-bind the controller port now: the kit writes "localhost" into the voter list and only a
        // per-server override, applied after its defaults, can replace that with the loopback address.
        int controllerPort = sockets.getOrCreatePortForListener(NODE_ID, CONTROLLER_LISTENER);
        Map<String, String> node = Map.of(
                "listeners", BROKER_LISTENER + "://127.0.0.1:0," + CONTROLLER_LISTENER + "://127.0.0.1:0",
                "controller.quorum.voters", NODE_ID + "@127.0.0.1:" + controllerPort);
        TestKitNodes.Builder nodes = new TestKitNodes.Builder()
                .setCombined(true)
                .setNumBrokerNodes(1)
                .setNumControllerNodes(1)
                .setBaseDirectory(dataDirectory)
                .setBrokerListenerName(new ListenerName(BROKER_LISTENER))
                .setControllerListenerName(new ListenerName(CONTROLLER_LISTENER))
                .setPerServerProperties(Map.of(NODE_ID, node));
        useLatestProductionMetadataVersion(nodes);
        return nodes.build();
    }

    /**
     * Formats with the metadata version of the 4.2 release, as {@code kafka-storage format} would: the kit
     * defaults to the unreleased "latest testing" one (4.3-IV0), which needs unstable features switched on.
     * The feature levels (transactions v2, share and streams groups) are the same in both. Reflection because
     * {@code MetadataVersion} is in kafka-server-common, a runtime-only dependency of the kit.
     */
    private static void useLatestProductionMetadataVersion(TestKitNodes.Builder nodes) {
        try {
            Class<?> metadataVersion = Class.forName("org.apache.kafka.server.common.MetadataVersion");
            Object latestProduction = metadataVersion.getMethod("latestProduction").invoke(null);
            TestKitNodes.Builder.class.getMethod("setBootstrapMetadataVersion", metadataVersion)
                    .invoke(nodes, latestProduction);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("Cannot set the metadata version of the embedded broker (" + e
                    + "). This class was written against kafka-server-common and kafka-test-common-runtime "
                    + "4.2.0; check that version is on the class path.", e);
        }
    }

    private static Map<String, Object> brokerSettings() {
        Map<String, Object> settings = new TreeMap<>();
        for (String topic : List.of("offsets.topic", "transaction.state.log", "share.coordinator.state.topic")) {
            // Internal topics default to three replicas, which a one-node cluster can never create.
            settings.put(topic + ".replication.factor", "1");
            // 50 partitions each cost a second or more to create on first use, on two cores.
            settings.put(topic + ".num.partitions", "4");
        }
        for (String topic : List.of("transaction.state.log", "share.coordinator.state.topic")) {
            // Two in-sync replicas by default, more than one node has (the offsets topic has no such setting).
            settings.put(topic + ".min.isr", "1");
        }
        // The default 3 s wait for more members only slows down single-consumer tests.
        settings.put("group.initial.rebalance.delay.ms", "0");
        // Flink's exactly-once producers ask for long transactions; the broker rejects any over this.
        settings.put("transaction.max.timeout.ms", "900000");
        // The kit enables unreleased APIs by default; released clients are what the demo is about.
        settings.put("unstable.api.versions.enable", "false");
        settings.put("unstable.feature.versions.enable", "false");
        return settings;
    }

    /**
     * The kit's own socket manager binds every listener to 0.0.0.0 before the broker reads
     * {@code listeners}; swap it for one bound to 127.0.0.1. The builder offers no setter, hence reflection.
     */
    private static void useLoopbackSockets(KafkaClusterTestKit.Builder builder, LoopbackSocketFactoryManager sockets) {
        try {
            Field field = KafkaClusterTestKit.Builder.class.getDeclaredField("socketFactoryManager");
            field.setAccessible(true);
            field.set(builder, sockets);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("Cannot make KafkaClusterTestKit bind to 127.0.0.1: its Builder has no "
                    + "settable field 'socketFactoryManager' (" + e + "). This class was written against "
                    + "kafka-test-common-runtime 4.2.0; check that version is on the class path.", e);
        }
    }

    /** The kit's own bootstrap string says "localhost"; name the address actually bound. */
    private static String loopbackBootstrap(KafkaClusterTestKit cluster, LoopbackSocketFactoryManager sockets) {
        if (!sockets.wasUsed(NODE_ID, BROKER_LISTENER) || !sockets.wasUsed(NODE_ID, CONTROLLER_LISTENER)) {
            throw new IllegalStateException("The broker did not adopt the sockets bound to 127.0.0.1 (listeners "
                    + BROKER_LISTENER + ", " + CONTROLLER_LISTENER + "), so it may listen on other interfaces. "
                    + "kafka-test-common-runtime must be 4.2.0.");
        }
        int port = cluster.brokers().get(NODE_ID).boundPort(new ListenerName(BROKER_LISTENER));
        return LoopbackSocketFactoryManager.LOOPBACK_V4.getHostAddress() + ":" + port;
    }

    private static boolean allPartitionsLed(Admin admin, List<String> names, int partitions)
            throws InterruptedException {
        try {
            Map<String, TopicDescription> descriptions =
                    admin.describeTopics(names).allTopicNames().get(5, TimeUnit.SECONDS);
            return descriptions.values().stream().allMatch(description -> {
                List<TopicPartitionInfo> infos = description.partitions();
                return infos.size() == partitions && infos.stream().allMatch(info -> info.leader() != null);
            });
        } catch (ExecutionException | TimeoutException e) {
            // Metadata not propagated yet (UnknownTopicOrPartition): ask again.
            return false;
        }
    }

    /** Whether the leader of every partition answers a ListOffsets request, which only a loaded leader does. */
    private static boolean allPartitionsServed(Admin admin, List<String> names, int partitions)
            throws InterruptedException {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (String name : names) {
            for (int partition = 0; partition < partitions; partition++) {
                latest.put(new TopicPartition(name, partition), OffsetSpec.latest());
            }
        }
        try {
            admin.listOffsets(latest).all().get(5, TimeUnit.SECONDS);
            return true;
        } catch (ExecutionException | TimeoutException e) {
            // NOT_LEADER_OR_FOLLOWER or UNKNOWN_TOPIC_OR_PARTITION until the leader has loaded it: ask again.
            return false;
        }
    }

    private static void stopQuietly(KafkaClusterTestKit cluster, LoopbackSocketFactoryManager sockets,
                                    Path dataDirectory, Throwable failure) {
        if (cluster != null) {
            try {
                cluster.close();
            } catch (Exception | Error e) {
                failure.addSuppressed(e);
            }
        }
        sockets.close();
        try {
            deleteRecursively(dataDirectory);
        } catch (IOException e) {
            failure.addSuppressed(e);
        }
    }

    private static Throwable addSuppressed(Throwable first, Throwable next) {
        if (first == null) {
            return next;
        }
        first.addSuppressed(next);
        return first;
    }

    /** Kafka's own recursive delete: it tolerates files vanishing while the broker's threads wind down. */
    private static void deleteRecursively(Path root) throws IOException {
        Utils.delete(root.toFile());
    }
}
