package io.streamrt.jobs.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real standalone Flink cluster ({@link StandaloneCluster}) for a test class: started before its first test in a
 * fresh folder under the temp folder, stopped after its last.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final StandaloneClusterExtension FLINK = new StandaloneClusterExtension("my-cluster-it", 2);
 * ... FLINK.cluster().uploadJar() ...
 * }</pre>
 */
public final class StandaloneClusterExtension implements BeforeAllCallback, AfterAllCallback {

    private final String folder;
    private final int taskManagers;
    private Path work;
    private StandaloneCluster cluster;

    /**
     * @param folder the prefix of the cluster's folder under the temp folder
     * @param taskManagers TaskManagers to start, two slots each
     */
    public StandaloneClusterExtension(String folder, int taskManagers) {
        this.folder = Objects.requireNonNull(folder, "folder");
        this.taskManagers = taskManagers;
    }

    /** The running cluster. */
    public StandaloneCluster cluster() {
        if (cluster == null) {
            throw new IllegalStateException("the cluster starts before the test class's first test");
        }
        return cluster;
    }

    /** The folder the cluster lives in ({@code flink/} below it), for the test's own files too. */
    public Path work() {
        cluster();
        return work;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        work = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), folder);
        cluster = StandaloneCluster.start(work, taskManagers);
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (cluster != null) {
            cluster.close();
            cluster = null;
        }
    }
}
