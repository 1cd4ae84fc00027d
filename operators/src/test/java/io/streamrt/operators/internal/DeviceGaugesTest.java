package io.streamrt.operators.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamrt.engine.DeviceStats;
import io.streamrt.engine.EncoderBatch;
import io.streamrt.engine.EncoderOutput;
import io.streamrt.engine.EngineInfo;
import io.streamrt.engine.onnx.ModelSignature;
import io.streamrt.engine.InferenceEngine;
import io.streamrt.operators.InferenceMetrics;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.jupiter.api.Test;

/**
 * GPU gauges appear only for an engine that reports its device, and follow what the driver says. No GPU here: the
 * device is played by an engine whose statistics the test sets (the TensorRT backend reads CUDA and NVML).
 */
class DeviceGaugesTest {

    /** Keeps the gauges registered on it. */
    private static final class CapturingGroup extends UnregisteredMetricsGroup {
        final Map<String, Gauge<?>> gauges = new HashMap<>();

        @Override
        public <T, G extends Gauge<T>> G gauge(String name, G gauge) {
            gauges.put(name, gauge);
            return gauge;
        }
    }

    /** An engine on a device whose statistics the test sets; it runs nothing. */
    private static final class DeviceEngine implements InferenceEngine {
        final AtomicReference<Optional<DeviceStats>> stats = new AtomicReference<>(Optional.empty());

        @Override
        public EngineInfo info() {
            return new EngineInfo("test-gpu", "m", "fp16", 8, 64,
                    List.of(new ModelSignature.Tensor("last_hidden_state", "float16", new long[] {-1, -1, 8})), 2);
        }

        @Override
        public EncoderOutput run(EncoderBatch batch) {
            throw new UnsupportedOperationException("this engine only reports its device");
        }

        @Override
        public Optional<DeviceStats> deviceStats() {
            return stats.get();
        }

        @Override
        public void close() {}
    }

    @Test
    void anEngineWithoutADeviceRegistersNoDeviceGauges() {
        CapturingGroup group = new CapturingGroup();

        assertThat(DeviceGauges.registerIfReported(group, new DeviceEngine())).isFalse();
        assertThat(group.gauges).isEmpty();
    }

    @Test
    void aGpuEngineReportsMemoryAndUtilizationAsTheDriverChangesThem() {
        DeviceEngine engine = new DeviceEngine();
        engine.stats.set(Optional.of(new DeviceStats(2L << 30, 80L << 30, 37)));
        CapturingGroup group = new CapturingGroup();

        assertThat(DeviceGauges.registerIfReported(group, engine)).isTrue();
        assertThat(group.gauges.get(InferenceMetrics.DEVICE_MEMORY_USED_BYTES).getValue()).isEqualTo(2L << 30);
        assertThat(group.gauges.get(InferenceMetrics.DEVICE_MEMORY_TOTAL_BYTES).getValue()).isEqualTo(80L << 30);
        assertThat(group.gauges.get(InferenceMetrics.DEVICE_UTILIZATION_PERCENT).getValue()).isEqualTo(37);

        engine.stats.set(Optional.of(new DeviceStats(3L << 30, 80L << 30, DeviceStats.UNKNOWN)));
        assertThat(group.gauges.get(InferenceMetrics.DEVICE_MEMORY_USED_BYTES).getValue()).isEqualTo(3L << 30);
        assertThat(group.gauges.get(InferenceMetrics.DEVICE_UTILIZATION_PERCENT).getValue()).isEqualTo(-1);

        engine.stats.set(Optional.empty()); // the driver stopped answering: -1, not an exception in the reporter
        assertThat(group.gauges.get(InferenceMetrics.DEVICE_MEMORY_USED_BYTES).getValue()).isEqualTo(-1L);
    }
}
