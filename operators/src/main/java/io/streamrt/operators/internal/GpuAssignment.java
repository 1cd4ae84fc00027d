package io.streamrt.operators.internal;

import io.streamrt.engine.EngineSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.flink.api.common.externalresource.ExternalResourceInfo;

/**
 * Picks the GPU of a subtask from Flink's GPU external resource ({@code external-resources: gpu} with the
 * {@code GPUDriverFactory}): the {@code index} property of the GPUs Flink gave this TaskManager. With one GPU per
 * TaskManager every slot uses it, so all slots share one engine; with several, subtasks spread over them by their
 * index. Without the resource, the spec's own device (0 by default).
 *
 * <pre>{@code
 * EngineSpec spec = GpuAssignment.forSubtask(settings.engine(),
 *         getRuntimeContext().getExternalResourceInfos(GpuAssignment.RESOURCE_NAME),
 *         getRuntimeContext().getTaskInfo().getIndexOfThisSubtask());
 * }</pre>
 */
public final class GpuAssignment {

    /** The external resource name Flink's GPU plugin is configured under in the docs and our images. */
    public static final String RESOURCE_NAME = "gpu";

    /** The property {@code GPUDriver} sets on each GPU it reports. */
    static final String INDEX_PROPERTY = "index";

    private GpuAssignment() {}

    /**
     * @param gpus what {@code RuntimeContext#getExternalResourceInfos("gpu")} returned; empty without the resource
     * @throws IllegalArgumentException if a GPU's {@code index} is missing or not a non-negative number
     */
    public static EngineSpec forSubtask(EngineSpec spec, Set<ExternalResourceInfo> gpus, int subtaskIndex) {
        if (gpus == null || gpus.isEmpty() || EngineSpec.ONNXRUNTIME.equals(spec.engine())) {
            return spec;
        }
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
        int device = indexes.get(Math.floorMod(subtaskIndex, indexes.size()));
        return spec.withDevice(device);
    }
}
