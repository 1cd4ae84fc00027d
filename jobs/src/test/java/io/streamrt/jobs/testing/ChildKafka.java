package io.streamrt.jobs.testing;

import io.streamrt.jobs.kafka.EmbeddedKafka;
import java.io.IOException;
import java.io.UncheckedIOException;
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

    /** Formats a new data directory under {@code dir} and starts the broker; waits until it answers. */
    public static ChildKafka start(Path dir) {
        try {
            Files.createDirectories(dir);
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

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
