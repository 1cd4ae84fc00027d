package io.streamrt.jobs.testing;

import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;

/**
 * The mini cluster the jobs' end-to-end tests run on: one TaskManager with two slots, so a job at parallelism 2
 * shares one engine between its subtasks, as on a real TaskManager.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final MiniClusterExtension CLUSTER = MiniClusters.oneTaskManagerTwoSlots();
 * }</pre>
 */
public final class MiniClusters {

    private MiniClusters() {}

    public static MiniClusterExtension oneTaskManagerTwoSlots() {
        return new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
                .setNumberTaskManagers(1)
                .setNumberSlotsPerTaskManager(2)
                .build());
    }
}
