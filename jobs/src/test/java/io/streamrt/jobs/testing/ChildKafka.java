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
import java.util.Objects;
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
 *
 * <p>{@link #startSecured} starts one whose client listener speaks only SASL_SSL (see {@link SaslSslListener}); its
 * PLAINTEXT listener is for the broker itself and the test's topic administration, never for the clients under test.
 */
public final class ChildKafka implements EnrichTopics.Broker, AutoCloseable {

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

    private final Path dir;
    /** The PLAINTEXT listener's port: inter-broker traffic, readiness checks and topic administration. */
    private final int port;
    /** The SASL_SSL listener's port, 0 when there is none. */
    private final int securePort;
    private final SaslSslListener security;
    private Process process;

    private ChildKafka(Path dir, int port, int securePort, SaslSslListener security) {
        this.dir = dir;
        this.port = port;
        this.securePort = securePort;
        this.security = security;
    }

    /**
     * Formats a new data directory under {@code dir} and starts the broker; waits until it answers. A start that
     * loses its ports to another process between their choice and the broker's bind is tried again on new ones.
     */
    public static ChildKafka start(Path dir) {
        return startWithRetries(dir, null);
    }

    /**
     * As {@link #start}, with a second listener on 127.0.0.1 that speaks only SASL_SSL with {@code security}'s
     * certificate and SCRAM user (created when the storage is formatted, so it can log in from the start).
     * {@link #bootstrapServers()} names that listener and {@link #clientProperties()} carry the user's settings.
     */
    public static ChildKafka startSecured(Path dir, SaslSslListener security) {
        return startWithRetries(dir, Objects.requireNonNull(security, "security"));
    }

    private static ChildKafka startWithRetries(Path dir, SaslSslListener security) {
        for (int attempt = 1; ; attempt++) {
            try {
                return startOnce(dir, security);
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

    private static ChildKafka startOnce(Path dir, SaslSslListener security) {
        try {
            Files.createDirectories(dir);
            deleteQuietly(dir.resolve("data"));
            Files.deleteIfExists(dir.resolve("broker.log"));
            int port = freePort();
            int controllerPort = freePort();
            int securePort = security == null ? 0 : freePort();
            String secure = security == null ? "" : ",SASL_SSL://127.0.0.1:" + securePort;
            List<String> settings = new ArrayList<>(List.of(
                    "process.roles=broker,controller",
                    "node.id=1",
                    "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
                    "listeners=PLAINTEXT://127.0.0.1:" + port + secure + ",CONTROLLER://127.0.0.1:" + controllerPort,
                    "advertised.listeners=PLAINTEXT://127.0.0.1:" + port + secure,
                    "controller.listener.names=CONTROLLER",
                    "inter.broker.listener.name=PLAINTEXT",
                    "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"
                            + (security == null ? "" : ",SASL_SSL:SASL_SSL"),
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
                    "transaction.max.timeout.ms=900000"));
            if (security != null) {
                security.brokerSettings().forEach((key, value) -> settings.add(key + "=" + value));
            }
            Properties serverProperties = new Properties();
            for (String setting : settings) {
                int equals = setting.indexOf('=');
                serverProperties.setProperty(setting.substring(0, equals), setting.substring(equals + 1));
            }
            // Written as Java properties: paths and JAAS values are escaped as the broker reads them back.
            try (var out = Files.newBufferedWriter(dir.resolve("server.properties"))) {
                serverProperties.store(out, null);
            }
            List<String> format = new ArrayList<>(List.of("format", "-t", Uuid.randomUuid().toString(), "-c",
                    dir.resolve("server.properties").toString()));
            if (security != null) {
                format.addAll(List.of("--add-scram", security.scramCredential()));
            }
            Process formatting = new ProcessBuilder(java("kafka.tools.StorageTool", format.toArray(String[]::new)))
                    .redirectErrorStream(true).redirectOutput(dir.resolve("format.log").toFile()).start();
            if (!formatting.waitFor(60, TimeUnit.SECONDS) || formatting.exitValue() != 0) {
                throw new IllegalStateException("formatting the child broker's storage failed: "
                        + Files.readString(dir.resolve("format.log")));
            }
            ChildKafka kafka = new ChildKafka(dir, port, securePort, security);
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
        properties.setProperty(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, plaintextBootstrapServers());
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

    /** The client listener: the SASL_SSL one of a {@link #startSecured} broker, else the PLAINTEXT one. */
    @Override
    public String bootstrapServers() {
        return "127.0.0.1:" + (security == null ? port : securePort);
    }

    /** {@code bootstrap.servers}, and for a {@link #startSecured} broker the SCRAM user's SASL_SSL settings. */
    @Override
    public Properties clientProperties() {
        Properties props = EnrichTopics.Broker.super.clientProperties();
        if (security != null) {
            props.putAll(security.clientSettings());
        }
        return props;
    }

    /** Created through the PLAINTEXT listener, as an operator would before handing the topics to users. */
    @Override
    public void createTopics(int partitions, String... names) {
        EmbeddedKafka.createTopics(plaintextBootstrapServers(), partitions, names);
    }

    private String plaintextBootstrapServers() {
        return "127.0.0.1:" + port;
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
