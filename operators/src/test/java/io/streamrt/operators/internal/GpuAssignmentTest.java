package io.streamrt.operators.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamrt.engine.EngineSpec;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
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
        try (GpuAssignment.Claim claim = GpuAssignment.claim(AUTO, Set.of())) {
            assertThat(claim.spec()).isEqualTo(AUTO);
        }
    }

    @Test
    void everySlotOfATaskManagerWithOneGpuUsesItSoTheyShareOneEngine() {
        Set<ExternalResourceInfo> one = gpus("3");
        EngineSpec spec = spec("one-gpu");

        try (GpuAssignment.Claim first = GpuAssignment.claim(spec, one);
                GpuAssignment.Claim second = GpuAssignment.claim(spec, one)) {
            assertThat(first.spec().device()).isEqualTo(3);
            assertThat(second.spec()).isEqualTo(first.spec());
        }
    }

    @Test
    void theSubtasksOfThisJvmTakeTheGpusRoundRobinWhateverTheirGlobalIndexes() {
        // A TaskManager holding subtasks 0, 2, 4 and 6 of an operator, with two GPUs: two on each.
        Set<ExternalResourceInfo> two = gpus("1", "0");
        EngineSpec spec = spec("round-robin");
        List<GpuAssignment.Claim> claims = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                claims.add(GpuAssignment.claim(spec, two));
            }
            assertThat(claims).extracting(c -> c.spec().device()).containsExactly(0, 1, 0, 1);
            assertThat(claims).extracting(GpuAssignment.Claim::place).containsExactly(0, 1, 2, 3);

            // A failed subtask gives its place back; its restart takes the lowest free one, on the same GPU.
            claims.get(1).close();
            claims.get(1).close();
            GpuAssignment.Claim restarted = GpuAssignment.claim(spec, two);
            claims.set(1, restarted);
            assertThat(restarted.place()).isEqualTo(1);
            assertThat(restarted.spec().device()).isEqualTo(1);
        } finally {
            claims.forEach(GpuAssignment.Claim::close);
        }
    }

    @Test
    void anotherOperatorsSubtasksCountOnTheirOwn() {
        Set<ExternalResourceInfo> two = gpus("0", "1");
        try (GpuAssignment.Claim a = GpuAssignment.claim(spec("operator-a"), two);
                GpuAssignment.Claim b = GpuAssignment.claim(spec("operator-b"), two)) {
            assertThat(a.spec().device()).isZero();
            assertThat(b.spec().device()).isZero();
        }
    }

    @Test
    void aCpuEngineIgnoresGpus() {
        EngineSpec cpu = new EngineSpec("builtin:all-minilm-l6-v2", null, EngineSpec.ONNXRUNTIME, 0, 64, 128, 0);

        try (GpuAssignment.Claim claim = GpuAssignment.claim(cpu, gpus("2"))) {
            assertThat(claim.spec()).isEqualTo(cpu);
        }
    }

    @Test
    void aGpuWithoutAUsableIndexIsRefusedWithTheFix() {
        assertThatThrownBy(() -> GpuAssignment.claim(AUTO, Set.of(new Gpu(Map.of("uuid", "GPU-1")))))
                .hasMessageContaining("without an 'index' property").hasMessageContaining("GPUDriverFactory");
        assertThatThrownBy(() -> GpuAssignment.claim(AUTO, gpus("first")))
                .hasMessageContaining("index 'first'").hasMessageContaining("non-negative number");
    }

    /** A spec of its own per test, so that tests running in one JVM do not share places. */
    private static EngineSpec spec(String model) {
        return new EngineSpec("builtin:" + model, null, EngineSpec.AUTO, 0, 64, 128, 0);
    }
}
