package io.streamrt.operators.internal;

import io.streamrt.engine.DeviceStats;
import io.streamrt.engine.InferenceEngine;
import io.streamrt.operators.InferenceMetrics;
import java.util.function.ToLongFunction;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;

/**
 * The device gauges of {@link InferenceMetrics}: registered only for an engine that reports its device (a GPU),
 * each read asking the driver afresh; a read that fails shows -1 rather than failing the reporter.
 *
 * <pre>{@code
 * DeviceGauges.registerIfReported(group, lease.engine());
 * }</pre>
 */
final class DeviceGauges {

    private DeviceGauges() {}

    /** @return whether the engine reports its device, and so whether the gauges were registered */
    static boolean registerIfReported(MetricGroup group, InferenceEngine engine) {
        if (engine.deviceStats().isEmpty()) {
            return false;
        }
        group.gauge(InferenceMetrics.DEVICE_MEMORY_USED_BYTES, gauge(engine, DeviceStats::memoryUsedBytes));
        group.gauge(InferenceMetrics.DEVICE_MEMORY_TOTAL_BYTES, gauge(engine, DeviceStats::memoryTotalBytes));
        group.gauge(InferenceMetrics.DEVICE_UTILIZATION_PERCENT,
                (Gauge<Integer>) () -> engine.deviceStats().map(DeviceStats::utilizationPercent).orElse(-1));
        return true;
    }

    private static Gauge<Long> gauge(InferenceEngine engine, ToLongFunction<DeviceStats> field) {
        return () -> engine.deviceStats().map(field::applyAsLong).orElse(-1L);
    }
}
