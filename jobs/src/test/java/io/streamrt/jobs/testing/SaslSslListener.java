package io.streamrt.jobs.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What a broker listener that speaks only SASL_SSL with SCRAM-SHA-512 needs, made fresh for one test: a self-signed
 * certificate for 127.0.0.1 in the broker's keystore, a truststore holding it, a truststore holding another
 * certificate (one that does not trust the broker), and a SCRAM user with a random password. Nothing is checked in:
 * the key pairs come from the JDK's {@code keytool}, the truststores from {@link KeyStore}.
 *
 * <pre>{@code
 * SaslSslListener tls = SaslSslListener.create(dir);
 * try (ChildKafka kafka = ChildKafka.startSecured(dir.resolve("broker"), tls)) {
 *     Properties client = kafka.clientProperties();   // SASL_SSL, the user's password, the truststore
 * }
 * }</pre>
 *
 * @param user the SCRAM user the broker knows
 * @param password the user's password
 * @param keystore the broker's key and certificate (PKCS12)
 * @param keystorePassword the keystore's and its key's password
 * @param truststore a PKCS12 truststore holding the broker's certificate
 * @param untrustingTruststore a PKCS12 truststore holding another self-signed certificate only
 * @param truststorePassword both truststores' password
 */
public record SaslSslListener(String user, String password, Path keystore, String keystorePassword, Path truststore,
        Path untrustingTruststore, String truststorePassword) {

    /** The mechanism the listener accepts, the strongest SCRAM Kafka offers. */
    public static final String MECHANISM = "SCRAM-SHA-512";

    private static final SecureRandom RANDOM = new SecureRandom();

    /** Makes the keys, certificates and passwords in {@code dir} (created if missing). Takes a second or two. */
    public static SaslSslListener create(Path dir) {
        try {
            Files.createDirectories(dir);
            String keystorePassword = secret("keystore");
            String truststorePassword = secret("truststore");
            Path keystore = dir.resolve("broker.p12");
            Path impostor = dir.resolve("impostor.p12");
            // Two key pairs at once: each keytool is a JVM start.
            Process broker = keytool(keystore, keystorePassword, "StreamRT test broker");
            Process other = keytool(impostor, keystorePassword, "StreamRT test impostor CA");
            await(broker, keystore);
            await(other, impostor);
            Path truststore = trusting(keystore, keystorePassword, dir.resolve("truststore.p12"), truststorePassword);
            Path untrusting = trusting(impostor, keystorePassword, dir.resolve("untrusting-truststore.p12"),
                    truststorePassword);
            return new SaslSslListener("streamrt", secret("scram"), keystore, keystorePassword, truststore, untrusting,
                    truststorePassword);
        } catch (IOException e) {
            throw new UncheckedIOException("making the test broker's TLS material in " + dir + " failed", e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("making the test broker's truststore in " + dir + " failed", e);
        }
    }

    /** The broker settings for a listener named {@code SASL_SSL} (its security protocol of the same name). */
    public Map<String, String> brokerSettings() {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("sasl.enabled.mechanisms", MECHANISM);
        // The broker only verifies SCRAM logins against the credentials in its metadata: no user of its own here.
        settings.put("listener.name.sasl_ssl." + MECHANISM.toLowerCase(Locale.ROOT) + ".sasl.jaas.config",
                "org.apache.kafka.common.security.scram.ScramLoginModule required;");
        settings.put("listener.name.sasl_ssl.ssl.keystore.type", "PKCS12");
        settings.put("listener.name.sasl_ssl.ssl.keystore.location", keystore.toString());
        settings.put("listener.name.sasl_ssl.ssl.keystore.password", keystorePassword);
        settings.put("listener.name.sasl_ssl.ssl.key.password", keystorePassword);
        return settings;
    }

    /** The user's credential as {@code kafka-storage format --add-scram} takes it, for the cluster's first metadata. */
    public String scramCredential() {
        return MECHANISM + "=[name=" + user + ",password=" + password + "]";
    }

    /** A client's settings for this listener, as a user writes them in a properties file; without the servers. */
    public Map<String, String> clientSettings() {
        return clientSettings(password, truststore);
    }

    /** As {@link #clientSettings()}, with another password or truststore: the two mistakes users make. */
    public Map<String, String> clientSettings(String withPassword, Path withTruststore) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("security.protocol", "SASL_SSL");
        settings.put("sasl.mechanism", MECHANISM);
        settings.put("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required "
                + "username=\"" + user + "\" password=\"" + withPassword + "\";");
        settings.put("ssl.truststore.type", "PKCS12");
        settings.put("ssl.truststore.location", withTruststore.toString());
        settings.put("ssl.truststore.password", truststorePassword);
        return settings;
    }

    /** Every secret here: what must never show in a log line, a printed message or a job's configuration. */
    public List<String> secrets() {
        return List.of(password, keystorePassword, truststorePassword);
    }

    /** Names the files and the user; the passwords stay out, as they must in any message. */
    @Override
    public String toString() {
        return "SaslSslListener[user=" + user + ", keystore=" + keystore + ", truststore=" + truststore + "]";
    }

    /** Random, and free of the characters the SCRAM argument and JAAS syntax give a meaning to. */
    private static String secret(String what) {
        byte[] bytes = new byte[12];
        RANDOM.nextBytes(bytes);
        return what + "-" + HexFormat.of().formatHex(bytes);
    }

    private static Process keytool(Path keystore, String password, String name) throws IOException {
        Files.deleteIfExists(keystore);
        return new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "broker", "-keyalg", "RSA", "-keysize", "2048", "-validity", "7",
                "-dname", "CN=" + name, "-ext", "SAN=IP:127.0.0.1", "-storetype", "PKCS12",
                "-keystore", keystore.toString(), "-storepass", password, "-keypass", password)
                .redirectErrorStream(true)
                .start();
    }

    private static void await(Process keytool, Path keystore) throws IOException {
        try {
            if (!keytool.waitFor(60, TimeUnit.SECONDS)) {
                keytool.destroyForcibly();
                throw new IllegalStateException("keytool did not make " + keystore + " within 60 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while keytool made " + keystore, e);
        }
        String output = new String(keytool.getInputStream().readAllBytes());
        if (keytool.exitValue() != 0) {
            throw new IllegalStateException("keytool failed to make " + keystore + ": " + output);
        }
    }

    /** A truststore at {@code target} holding the certificate of the key pair in {@code keystore}. */
    private static Path trusting(Path keystore, String keystorePassword, Path target, String password)
            throws IOException, GeneralSecurityException {
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            keys.load(in, keystorePassword.toCharArray());
        }
        Certificate certificate = keys.getCertificate("broker");
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", certificate);
        try (OutputStream out = Files.newOutputStream(target)) {
            trust.store(out, password.toCharArray());
        }
        return target;
    }
}
