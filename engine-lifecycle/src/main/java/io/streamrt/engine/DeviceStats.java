package io.streamrt.engine;

/**
 * Memory and load of the accelerator an engine runs on, as its driver reports them at the moment of the call.
 *
 * <pre>{@code
 * lease.engine().deviceStats().ifPresent(s -> System.out.println(s.memoryUsedBytes() + " of " + s.memoryTotalBytes()));
 * }</pre>
 *
 * @param memoryUsedBytes device memory in use, by every process on the device
 * @param memoryTotalBytes device memory in all
 * @param utilizationPercent share of the last sample period in which a kernel ran (0-100), or -1 where the driver
 *     does not say (NVML missing)
 */
public record DeviceStats(long memoryUsedBytes, long memoryTotalBytes, int utilizationPercent) {

    /** Utilization when the driver gives none. */
    public static final int UNKNOWN = -1;
}
