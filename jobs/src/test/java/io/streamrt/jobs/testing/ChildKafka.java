package io.streamrt.jobs.testing;

import io.streamrt.jobs.kafka.EmbeddedKafka;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;

/**
 * A real Kafka broker (KRaft, broker and controller in one node) in a child JVM on 127.0.0.1, that a test can kill
 * and start again on the same data directory and port, as an outage does: {@code kafka.Kafka server.properties}
 * from the Kafka jars on this JVM's classpath, after {@code kafka.tools.StorageTool format}.
 *
 * <pre>{@code
 * try (ChildKafka kafka = ChildKafka.start(dir)) {
 *     kafka.kill();        // SIGKILL, as a crashed machine
 *     kafka.startAgain();  // same log.dirs, same port
 * }
 * }</pre>
 */
public final class ChildKafka implements EnrichTopics.Broker, AutoCloseable {

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

    private final Path dir;
    private final int port;
    private Process process;

    private ChildKafka(Path dir, int port) {
        this.dir = dir;
        this.port = port;
    }

    /**
     * Formats a new data directory under {@code dir} and starts the broker; waits until it answers. A start that
     * loses its ports to another process between their choice and the broker's bind is tried again on new ones.
     */
    public static ChildKafka start(Path dir) {
        for (int attempt = 1; ; attempt++) {
            try {
                return startOnce(dir);
            } catch (IllegalStateException e) {
                if (attempt == 3 || !brokerLogSays(dir, "Address already in use")) {
                    throw e;
                }
            }
        }
    }

    private static boolean brokerLogSays(Path dir, String text) {
        try {
            return Files.readString(dir.resolve("broker.log")).contains(text);
        } catch (IOException e) {
            return false;
        }
    }

    private static ChildKafka startOnce(Path dir) {
        try {
            Files.createDirectories(dir);
            deleteQuietly(dir.resolve("data"));
            Files.deleteIfExists(dir.resolve("broker.log"));
            int port = freePort();
            int controllerPort = freePort();
            Files.writeString(dir.resolve("server.properties"), String.join("\n",
                    "process.roles=broker,controller",
                    "node.id=1",
                    "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
                    "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
                    "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
                    "controller.listener.names=CONTROLLER",
                    "inter.broker.listener.name=PLAINTEXT",
                    "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                    "log.dirs=" + dir.resolve("data"),
                    "offsets.topic.replication.factor=1",
                    "offsets.topic.num.partitions=4",
                    "transaction.state.log.replication.factor=1",
                    "transaction.state.log.min.isr=1",
                    "transaction.state.log.num.partitions=4",
                    "share.coordinator.state.topic.replication.factor=1",
                    "share.coordinator.state.topic.min.isr=1",
                    "group.initial.rebalance.delay.ms=0",
                    // The brokers' default, stated: what the sinks' default transaction timeout must not exceed.
                    "transaction.max.timeout.ms=900000",
                    ""));
            Process format = new ProcessBuilder(java("kafka.tools.StorageTool", "format", "-t",
                    Uuid.randomUuid().toString(), "-c", dir.resolve("server.properties").toString()))
                    .redirectErrorStream(true).redirectOutput(dir.resolve("format.log").toFile()).start();
            if (!format.waitFor(60, TimeUnit.SECONDS) || format.exitValue() != 0) {
                throw new IllegalStateException("formatting the child broker's storage failed: "
                        + Files.readString(dir.resolve("format.log")));
            }
            ChildKafka kafka = new ChildKafka(dir, port);
            kafka.startAgain();
            return kafka;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Starts the broker process on its data directory and port; waits until it answers. */
    public void startAgain() {
        try {
            process = new ProcessBuilder(java("kafka.Kafka", dir.resolve("server.properties").toString()))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("broker.log").toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("starting the child broker failed", e);
        }
        Properties properties = new Properties();
        properties.setProperty(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (true) {
            try (Admin admin = Admin.create(properties)) {
                if (!admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).isEmpty()) {
                    return;
                }
            } catch (Exception e) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException("the child broker did not start (alive: " + process.isAlive()
                            + "); its log: " + dir.resolve("broker.log"), e);
                }
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
        }
    }

    /** Kills the broker with SIGKILL and waits until it is gone. */
    public void kill() {
        process.destroyForcibly();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the child broker did not die within 30 s of SIGKILL");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    @Override
    public void createTopics(int partitions, String... names) {
        EmbeddedKafka.createTopics(bootstrapServers(), partitions, names);
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            kill();
        }
    }

    private static List<String> java(String main, String... args) {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
                "-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"),
                "-cp", System.getProperty("java.class.path"), main));
        command.addAll(List.of(args));
        return command;
    }

    /**
     * A port free now, below the kernel's ephemeral range (32768 and up on Linux): the broker keeps it across its
     * restart, and while it is down the clients' reconnections take local ports from that range, one of which could
     * otherwise be the broker's own.
     */
    private static int freePort() throws IOException {
        for (int i = 0; i < 1000; i++) {
            int candidate = 20_000 + RANDOM.nextInt(12_000);
            try (ServerSocket socket = new ServerSocket(candidate, 1, InetAddress.getLoopbackAddress())) {
                return socket.getLocalPort();
            } catch (IOException taken) {
                // try another
            }
        }
        throw new IOException("no free port between 20000 and 32000 on 127.0.0.1");
    }

    private static final java.util.Random RANDOM = new java.util.Random();

    private static void deleteQuietly(Path path) throws IOException {
        if (Files.exists(path)) {
            try (var walk = Files.walk(path)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
