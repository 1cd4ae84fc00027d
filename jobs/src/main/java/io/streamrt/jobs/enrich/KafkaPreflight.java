package io.streamrt.jobs.enrich;

import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.apache.flink.util.ExceptionUtils;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * What {@code enrich} checks with Kafka before it submits the job, within a bounded time, so that a typo in a
 * broker address or a topic name ends the command with the address or topic named and what to do, instead of a job
 * that hangs or restarts forever: the brokers answer; the input topic exists; the output and dead-letter topics
 * exist or the brokers create topics on first use; with exactly-once delivery, the sinks' {@code
 * transaction.timeout.ms} is within the brokers' {@code transaction.max.timeout.ms}. On a secured cluster a wrong
 * SASL password and a truststore without the brokers' CA are named as such, with the settings to check. Failures
 * once the job runs are left to Flink's restarts.
 *
 * <pre>{@code
 * KafkaPreflight.check(config, Duration.ofSeconds(30));   // throws KafkaPreflight.Failure with the reason
 * }</pre>
 */
final class KafkaPreflight {

    /** How long the whole check may take by default. */
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    /** A check that failed; the message names the address, topic or setting, and the fix. */
    static final class Failure extends Exception {
        private static final long serialVersionUID = 1L;

        Failure(String message) {
            super(message);
        }

        Failure(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private KafkaPreflight() {}

    /**
     * @param timeout how long the whole check may take
     * @throws Failure naming what is wrong and what to do
     */
    static void check(EnrichConfig config, Duration timeout) throws Failure {
        long deadline = System.nanoTime() + timeout.toNanos();
        Properties properties = new Properties();
        properties.putAll(config.kafkaProperties());
        properties.setProperty(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        int millis = (int) Math.max(1, timeout.toMillis());
        properties.setProperty(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, String.valueOf(millis));
        properties.setProperty(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, String.valueOf(millis));
        properties.setProperty(AdminClientConfig.CLIENT_ID_CONFIG, config.groupId() + "-preflight");
        Admin admin;
        try {
            admin = Admin.create(properties);
        } catch (KafkaException e) {
            throw new Failure("cannot use the Kafka settings: " + rootMessage(e) + "; check --bootstrap-servers '"
                    + config.bootstrapServers() + "' and the --kafka-property settings");
        }
        try {
            Collection<Node> brokers = get(admin.describeCluster().nodes(), deadline, () -> "no Kafka broker at '"
                    + config.bootstrapServers() + "' answered within " + timeout.toSeconds() + " s: check "
                    + "--bootstrap-servers, that the brokers are up and reachable from where the job is submitted, "
                    + "and, for a secured cluster, the security settings (--kafka-property, --kafka-properties-file)");
            checkTopics(admin, config, brokers, deadline);
            if (config.delivery() == EnrichConfig.Delivery.EXACTLY_ONCE) {
                checkTransactionTimeout(admin, config, brokers, deadline);
            }
        } finally {
            admin.close(Duration.ZERO);
        }
    }

    private static void checkTopics(Admin admin, EnrichConfig config, Collection<Node> brokers, long deadline)
            throws Failure {
        Map<String, KafkaFuture<TopicDescription>> topics = admin.describeTopics(
                List.of(config.inputTopic(), config.outputTopic(), config.deadLetterTopic())).topicNameValues();
        List<String> missingSinks = new ArrayList<>();
        for (var topic : topics.entrySet()) {
            boolean input = topic.getKey().equals(config.inputTopic());
            try {
                get(topic.getValue(), deadline, () -> "Kafka at '" + config.bootstrapServers()
                        + "' did not describe topic '" + topic.getKey() + "' in time");
            } catch (Failure e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw e;
                }
                if (input) {
                    throw new Failure("the input topic '" + topic.getKey() + "' does not exist on Kafka at '"
                            + config.bootstrapServers() + "': create it (kafka-topics.sh --create --topic "
                            + topic.getKey() + " ...) or check --input-topic");
                }
                missingSinks.add(topic.getKey());
            }
        }
        if (!missingSinks.isEmpty() && !"true".equals(brokerSetting(admin, brokers, "auto.create.topics.enable",
                deadline))) {
            throw new Failure("topic(s) " + missingSinks + " do not exist on Kafka at '" + config.bootstrapServers()
                    + "' and the brokers do not create topics on first use (auto.create.topics.enable is not true): "
                    + "create them (kafka-topics.sh --create ...) or check --output-topic and --dead-letter-topic");
        }
    }

    private static void checkTransactionTimeout(Admin admin, EnrichConfig config, Collection<Node> brokers,
            long deadline) throws Failure {
        String brokerMax = brokerSetting(admin, brokers, "transaction.max.timeout.ms", deadline);
        if (brokerMax == null) {
            return; // not allowed to read broker settings: the sinks will say so if the value is too high
        }
        long timeout = EnrichPipeline.transactionTimeoutMs(config);
        if (timeout > Long.parseLong(brokerMax)) {
            throw new Failure("the exactly-once sinks' transaction.timeout.ms is " + timeout + " ms, above what the "
                    + "brokers at '" + config.bootstrapServers() + "' allow (transaction.max.timeout.ms " + brokerMax
                    + " ms): raise transaction.max.timeout.ms on every broker (it must cover the longest recovery you "
                    + "expect: a checkpoint's transactions must outlive a failover, or their records are lost), or "
                    + "lower the sinks' with --kafka-property transaction.timeout.ms=" + brokerMax);
        }
    }

    /** A broker setting's value, or null where this client may not read broker settings. */
    private static String brokerSetting(Admin admin, Collection<Node> brokers, String name, long deadline)
            throws Failure {
        if (brokers.isEmpty()) {
            return null;
        }
        ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER, brokers.iterator().next().idString());
        try {
            Config config = get(admin.describeConfigs(List.of(broker)).values().get(broker), deadline,
                    () -> "Kafka did not describe broker " + broker.name() + "'s settings in time");
            ConfigEntry entry = config.get(name);
            return entry == null ? null : entry.value();
        } catch (Failure e) {
            if (e.getCause() instanceof AuthorizationException) {
                return null;
            }
            throw e;
        }
    }

    /** Waits for a Kafka future until the deadline; its failure becomes a {@link Failure} with the cause kept. */
    private static <T> T get(KafkaFuture<T> future, long deadline, Supplier<String> onTimeout) throws Failure {
        try {
            return future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new Failure(onTimeout.get(), e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof org.apache.kafka.common.errors.TimeoutException) {
                throw new Failure(onTimeout.get(), cause);
            }
            if (cause instanceof AuthenticationException) {
                throw new Failure(notAuthenticated((AuthenticationException) cause), cause);
            }
            String fix = cause instanceof AuthorizationException
                    ? "; grant this principal DESCRIBE on the topics and cluster, READ on the input topic and WRITE on "
                            + "the others"
                    : "";
            throw new Failure("Kafka refused a check: " + rootMessage(cause) + fix, cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Failure("interrupted while checking Kafka");
        }
    }

    /**
     * Why the brokers did not let this client in, and which settings to check: the SASL login (user, password,
     * mechanism) or the TLS handshake (the truststore, above all when it lacks the brokers' CA).
     */
    private static String notAuthenticated(AuthenticationException e) {
        String where = " (--kafka-property, --kafka-properties-file)";
        if (e instanceof SaslAuthenticationException) {
            return "authentication failed: the brokers refused the SASL login (" + e.getMessage() + "); check the "
                    + "username and password in sasl.jaas.config, and that sasl.mechanism is one the brokers enable"
                    + where;
        }
        if (e instanceof SslAuthenticationException
                && (ExceptionUtils.findThrowable(e, CertPathBuilderException.class).isPresent()
                        || ExceptionUtils.findThrowable(e, CertPathValidatorException.class).isPresent())) {
            return "the brokers' TLS certificate is not trusted (" + rootCause(e).getMessage() + "): set "
                    + "ssl.truststore.location (with ssl.truststore.password and ssl.truststore.type) to a truststore "
                    + "that holds the CA that signed the brokers' certificates" + where;
        }
        if (e instanceof SslAuthenticationException) {
            return "the TLS handshake with the brokers failed (" + rootMessage(e) + "): check security.protocol and "
                    + "the ssl.* settings" + where;
        }
        return "authentication failed: " + rootMessage(e) + "; check security.protocol and the sasl.* and ssl.* "
                + "settings" + where;
    }

    private static Throwable rootCause(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root;
    }

    private static String rootMessage(Throwable e) {
        Throwable root = rootCause(e);
        return root == e ? String.valueOf(e.getMessage()) : e.getMessage() + " (" + root.getMessage() + ")";
    }
}
