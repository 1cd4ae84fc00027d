package io.streamrt.operators.testing;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;

/**
 * The mini cluster the operator's end-to-end tests run on: one TaskManager, so slots share its engines, with the
 * metrics kept for the test to read.
 *
 * <pre>{@code
 * private static final InMemoryReporter METRICS = InMemoryReporter.createWithRetainedMetrics();
 * @RegisterExtension
 * static final MiniClusterExtension CLUSTER = MiniClusters.oneTaskManager(2, METRICS);
 * }</pre>
 */
public final class MiniClusters {

    private MiniClusters() {}

    /** One TaskManager with {@code slots} slots, reporting its metrics to {@code metrics}. */
    public static MiniClusterExtension oneTaskManager(int slots, InMemoryReporter metrics) {
        return new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
                .setNumberTaskManagers(1)
                .setNumberSlotsPerTaskManager(slots)
                .setConfiguration(metrics.addToConfiguration(new Configuration()))
                .build());
    }
}
