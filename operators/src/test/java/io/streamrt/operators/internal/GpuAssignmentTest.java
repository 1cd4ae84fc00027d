package io.streamrt.operators.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamrt.engine.EngineSpec;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.flink.api.common.externalresource.ExternalResourceInfo;
import org.junit.jupiter.api.Test;

/** GPU choice from Flink's GPU external resource, as GPUDriver reports it (an "index" property per GPU). */
class GpuAssignmentTest {

    private static final EngineSpec AUTO = new EngineSpec("builtin:all-minilm-l6-v2", null, EngineSpec.AUTO, 0, 64,
            128, 0);

    /** What Flink's GPUDriver hands a task: a GPU with its properties. */
    private record Gpu(Map<String, String> properties) implements ExternalResourceInfo {
        @Override
        public Optional<String> getProperty(String key) {
            return Optional.ofNullable(properties.get(key));
        }

        @Override
        public Collection<String> getKeys() {
            return properties.keySet();
        }
    }

    private static Set<ExternalResourceInfo> gpus(String... indexes) {
        Set<ExternalResourceInfo> set = new LinkedHashSet<>();
        for (String index : indexes) {
            set.add(new Gpu(Map.of("index", index)));
        }
        return set;
    }

    @Test
    void withoutTheResourceTheSpecKeepsItsDevice() {
        assertThat(GpuAssignment.forSubtask(AUTO, Set.of(), 3)).isEqualTo(AUTO);
    }

    @Test
    void everySlotOfATaskManagerWithOneGpuUsesItSoTheyShareOneEngine() {
        Set<ExternalResourceInfo> one = gpus("3");

        assertThat(GpuAssignment.forSubtask(AUTO, one, 0).device()).isEqualTo(3);
        assertThat(GpuAssignment.forSubtask(AUTO, one, 1)).isEqualTo(GpuAssignment.forSubtask(AUTO, one, 0));
    }

    @Test
    void subtasksSpreadOverSeveralGpusInIndexOrder() {
        Set<ExternalResourceInfo> two = gpus("1", "0");

        assertThat(GpuAssignment.forSubtask(AUTO, two, 0).device()).isZero();
        assertThat(GpuAssignment.forSubtask(AUTO, two, 1).device()).isEqualTo(1);
        assertThat(GpuAssignment.forSubtask(AUTO, two, 2).device()).isZero();
    }

    @Test
    void aCpuEngineIgnoresGpus() {
        EngineSpec cpu = new EngineSpec("builtin:all-minilm-l6-v2", null, EngineSpec.ONNXRUNTIME, 0, 64, 128, 0);

        assertThat(GpuAssignment.forSubtask(cpu, gpus("2"), 0)).isEqualTo(cpu);
    }

    @Test
    void aGpuWithoutAUsableIndexIsRefusedWithTheFix() {
        assertThatThrownBy(() -> GpuAssignment.forSubtask(AUTO, Set.of(new Gpu(Map.of("uuid", "GPU-1"))), 0))
                .hasMessageContaining("without an 'index' property").hasMessageContaining("GPUDriverFactory");
        assertThatThrownBy(() -> GpuAssignment.forSubtask(AUTO, gpus("first"), 0))
                .hasMessageContaining("index 'first'").hasMessageContaining("non-negative number");
    }
}
