package io.streamrt.operators.internal;

import io.streamrt.engine.EngineSpec;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.externalresource.ExternalResourceInfo;

/**
 * Picks the GPU of a subtask from Flink's GPU external resource ({@code external-resources: gpu} with the
 * {@code GPUDriverFactory}): the {@code index} property of the GPUs Flink gave this TaskManager. With one GPU per
 * TaskManager every slot uses it, so all slots share one engine; with several, the subtasks of one operator that
 * run in this JVM take them round-robin in the order they open: each claims the lowest free place among them, so
 * a TaskManager holding subtasks 0, 2, 4 and 6 with two GPUs puts two on each (their global indexes, all even,
 * would have put all four on the first). A place is given back when its subtask closes, and a restarted subtask
 * takes the lowest free one. Without the resource, the spec's own device (0 by default).
 *
 * <pre>{@code
 * GpuAssignment.Claim claim = GpuAssignment.claim(settings.engine(),
 *         getRuntimeContext().getExternalResourceInfos(GpuAssignment.RESOURCE_NAME));
 * lease = EngineRegistry.shared().acquire(claim.spec());
 * ...
 * claim.close(); // in close()
 * }</pre>
 */
@Internal
public final class GpuAssignment {

    /** The external resource name Flink's GPU plugin is configured under in the docs and our images. */
    public static final String RESOURCE_NAME = "gpu";

    /** The property {@code GPUDriver} sets on each GPU it reports. */
    static final String INDEX_PROPERTY = "index";

    /** Places taken in this JVM, per engine spec (the operator's settings, before a device is chosen). */
    private static final Map<EngineSpec, BitSet> PLACES = new HashMap<>();

    private GpuAssignment() {}

    /**
     * A subtask's place among this JVM's subtasks of the same spec, and the spec with its GPU; close it when the
     * subtask closes (again is harmless).
     */
    public static final class Claim implements AutoCloseable {
        private final EngineSpec key;
        private final int place;
        private final EngineSpec spec;
        private boolean released;

        private Claim(EngineSpec key, int place, EngineSpec spec) {
            this.key = key;
            this.place = place;
            this.spec = spec;
        }

        /** The spec to run: the operator's, on this subtask's GPU. */
        public EngineSpec spec() {
            return spec;
        }

        /** This subtask's place among the open subtasks of its spec in this JVM, from 0; -1 without GPUs. */
        public int place() {
            return place;
        }

        @Override
        public void close() {
            synchronized (PLACES) {
                if (released || place < 0) {
                    return;
                }
                released = true;
                BitSet taken = PLACES.get(key);
                taken.clear(place);
                if (taken.isEmpty()) {
                    PLACES.remove(key);
                }
            }
        }
    }

    /**
     * Claims the lowest free place among this JVM's subtasks of {@code spec} and picks that place's GPU,
     * round-robin over the GPUs in index order.
     *
     * @param gpus what {@code RuntimeContext#getExternalResourceInfos("gpu")} returned; empty without the resource
     * @throws IllegalArgumentException if a GPU's {@code index} is missing or not a non-negative number
     */
    public static Claim claim(EngineSpec spec, Set<ExternalResourceInfo> gpus) {
        if (gpus == null || gpus.isEmpty() || EngineSpec.ONNXRUNTIME.equals(spec.engine())) {
            return new Claim(spec, -1, spec);
        }
        List<Integer> indexes = indexes(gpus);
        synchronized (PLACES) {
            BitSet taken = PLACES.computeIfAbsent(spec, k -> new BitSet());
            int place = taken.nextClearBit(0);
            taken.set(place);
            return new Claim(spec, place, spec.withDevice(indexes.get(place % indexes.size())));
        }
    }

    /** The GPUs' indexes, ascending. */
    private static List<Integer> indexes(Set<ExternalResourceInfo> gpus) {
        List<Integer> indexes = new ArrayList<>();
        for (ExternalResourceInfo gpu : gpus) {
            String index = gpu.getProperty(INDEX_PROPERTY).orElseThrow(() -> new IllegalArgumentException(
                    "Flink's external resource '" + RESOURCE_NAME + "' reported a GPU without an '" + INDEX_PROPERTY
                            + "' property (properties: " + gpu.getKeys() + "); configure "
                            + "external-resource.gpu.driver-factory.class: "
                            + "org.apache.flink.externalresource.gpu.GPUDriverFactory"));
            try {
                int parsed = Integer.parseInt(index.trim());
                if (parsed < 0) {
                    throw new NumberFormatException("negative");
                }
                indexes.add(parsed);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("Flink's external resource '" + RESOURCE_NAME + "' reported GPU "
                        + "index '" + index + "'; expected a non-negative number such as 0, as the GPU discovery "
                        + "script prints (nvidia-gpu-discovery.sh)", e);
            }
        }
        indexes.sort(null);
        return indexes;
    }
}
