package io.streamrt.jobs.testing;

import io.streamrt.jobs.kafka.EmbeddedKafka;
import java.nio.file.Path;
import java.util.Objects;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real in-process Kafka broker for a test class: started before its first test, closed after its last.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension("my-test-kafka");
 * ... EnrichTopics.create(KAFKA.kafka(), "a", 2) ...
 * }</pre>
 */
public final class EmbeddedKafkaExtension implements BeforeAllCallback, AfterAllCallback {

    private final String folder;
    private EmbeddedKafka kafka;

    /** @param folder the broker's data folder, under the temp folder */
    public EmbeddedKafkaExtension(String folder) {
        this.folder = Objects.requireNonNull(folder, "folder");
    }

    /** The running broker. */
    public EmbeddedKafka kafka() {
        if (kafka == null) {
            throw new IllegalStateException("the broker starts before the test class's first test");
        }
        return kafka;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        kafka = EmbeddedKafka.start(Path.of(System.getProperty("java.io.tmpdir"), folder));
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (kafka != null) {
            kafka.close();
            kafka = null;
        }
    }
}
