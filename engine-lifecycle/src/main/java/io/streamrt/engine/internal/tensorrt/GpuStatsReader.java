package io.streamrt.engine.internal.tensorrt;

import static org.bytedeco.cuda.global.cudart.cudaDeviceGetPCIBusId;
import static org.bytedeco.cuda.global.cudart.cudaMemGetInfo;
import static org.bytedeco.cuda.global.cudart.cudaSetDevice;
import static org.bytedeco.cuda.global.cudart.cudaSuccess;

import io.streamrt.engine.DeviceStats;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.bytedeco.cuda.global.nvml;
import org.bytedeco.cuda.nvml.nvmlDevice_st;
import org.bytedeco.cuda.nvml.nvmlUtilization_t;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.javacpp.SizeTPointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a GPU's memory (CUDA runtime: {@code cudaMemGetInfo}) and utilization (NVML, found by the device's PCI bus
 * id, since NVML and CUDA may number devices differently). NVML comes with the driver and may be missing in a
 * container: then utilization is {@link DeviceStats#UNKNOWN}, said once in the log. Never throws: a failed read
 * gives empty, so a metrics gauge cannot fail a task. Not run on hardware yet (no GPU has been available).
 *
 * <pre>{@code
 * GpuStatsReader reader = new GpuStatsReader(0);
 * reader.read().ifPresent(stats -> ...);
 * }</pre>
 */
final class GpuStatsReader {

    private static final Logger LOG = LoggerFactory.getLogger(GpuStatsReader.class);

    private final int device;
    /** The NVML handle, null where NVML is not usable; resolved on the first read. */
    private nvmlDevice_st nvmlDevice;
    private boolean nvmlTried;

    GpuStatsReader(int device) {
        this.device = device;
    }

    synchronized Optional<DeviceStats> read() {
        try (SizeTPointer free = new SizeTPointer(1); SizeTPointer total = new SizeTPointer(1)) {
            if (cudaSetDevice(device) != cudaSuccess || cudaMemGetInfo(free, total) != cudaSuccess) {
                return Optional.empty();
            }
            long totalBytes = total.get();
            return Optional.of(new DeviceStats(totalBytes - free.get(), totalBytes, utilization()));
        } catch (Throwable t) {
            // A gauge must not fail the task that reports it; the engine's own calls report CUDA errors.
            LOG.debug("Reading the memory of GPU {} failed: {}", device, t.toString());
            return Optional.empty();
        }
    }

    private int utilization() {
        nvmlDevice_st handle = nvmlHandle();
        if (handle == null) {
            return DeviceStats.UNKNOWN;
        }
        try (nvmlUtilization_t rates = new nvmlUtilization_t()) {
            return nvml.nvmlDeviceGetUtilizationRates(handle, rates) == nvml.NVML_SUCCESS ? rates.gpu()
                    : DeviceStats.UNKNOWN;
        }
    }

    private nvmlDevice_st nvmlHandle() {
        if (nvmlTried) {
            return nvmlDevice;
        }
        nvmlTried = true;
        try {
            byte[] busId = new byte[32];
            if (cudaDeviceGetPCIBusId(busId, busId.length, device) != cudaSuccess) {
                return null;
            }
            int length = 0;
            while (length < busId.length && busId[length] != 0) {
                length++;
            }
            int status = nvml.nvmlInit_v2();
            if (status != nvml.NVML_SUCCESS) {
                LOG.info("GPU {} utilization is not reported: nvmlInit_v2 returned {} (is libnvidia-ml.so.1 from the "
                        + "NVIDIA driver visible in this container?)", device, status);
                return null;
            }
            try (PointerPointer<nvmlDevice_st> handle = new PointerPointer<>(1)) {
                status = nvml.nvmlDeviceGetHandleByPciBusId_v2(new String(busId, 0, length, StandardCharsets.US_ASCII),
                        handle);
                if (status != nvml.NVML_SUCCESS) {
                    LOG.info("GPU {} utilization is not reported: nvmlDeviceGetHandleByPciBusId_v2 returned {}",
                            device, status);
                    return null;
                }
                nvmlDevice = handle.get(nvmlDevice_st.class, 0);
                return nvmlDevice;
            }
        } catch (Throwable t) {
            LOG.info("GPU {} utilization is not reported: NVML is not usable here ({})", device, t.toString());
            return null;
        }
    }
}
