package io.streamrt.engine.internal.tensorrt;

import io.streamrt.engine.EngineProvider.Availability;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds out once per JVM whether TensorRT can run here, and if not, names what is missing and the fix.
 *
 * <p>The JavaCPP presets load their native libraries in static initializers: the first touch without a driver
 * throws {@link UnsatisfiedLinkError} ({@code libcuda.so.1} missing), every later touch {@link NoClassDefFoundError}
 * with no detail. So the probe runs once, catches {@link Throwable}, and keeps the first, informative verdict.
 * The steps go from the cheapest to the most specific: presets on the classpath, CUDA runtime and driver, a GPU,
 * then the TensorRT libraries.
 *
 * <pre>{@code
 * TensorRtProbe.Verdict verdict = TensorRtProbe.verdict();
 * if (!verdict.availability().available()) log.info(verdict.availability().reason());
 * }</pre>
 */
final class TensorRtProbe {

    private static final Pattern MISSING_LIBRARY =
            Pattern.compile("(lib[A-Za-z0-9_+-]+\\.so(?:\\.[0-9]+)*)[^:]*: cannot open shared object file");

    private TensorRtProbe() {}

    /**
     * What the probe found.
     *
     * @param availability whether TensorRT can run, else why not and the fix
     * @param deviceCount GPUs visible to the process; 0 when not available
     * @param tensorRtVersion the loaded libnvinfer's version, e.g. {@code 11.2.1}; empty when not available
     */
    record Verdict(Availability availability, int deviceCount, String tensorRtVersion) {
        static Verdict no(String reason) {
            return new Verdict(Availability.no(reason), 0, "");
        }
    }

    /** Probed on first call, then the same answer for the life of the JVM. */
    static Verdict verdict() {
        return Holder.VERDICT;
    }

    private static final class Holder {
        static final Verdict VERDICT = probe();
    }

    private static Verdict probe() {
        ClassLoader loader = TensorRtProbe.class.getClassLoader();
        try {
            for (String name : new String[] {"org.bytedeco.javacpp.Loader", "org.bytedeco.cuda.global.cudart",
                    "org.bytedeco.tensorrt.global.nvinfer", "org.bytedeco.tensorrt.global.nvonnxparser"}) {
                Class.forName(name, false, loader);
            }
        } catch (Throwable t) {
            return Verdict.no(presetsMissing(t));
        }
        try {
            Class.forName("org.bytedeco.cuda.global.cudart", true, loader);
        } catch (Throwable t) {
            return Verdict.no(loadFailure("the CUDA runtime", t));
        }
        int[] count = new int[1];
        int status;
        String statusName;
        try {
            status = NativeCalls.deviceCount(count);
            statusName = status == 0 ? "cudaSuccess" : NativeCalls.errorName(status);
        } catch (Throwable t) {
            return Verdict.no(loadFailure("the CUDA runtime", t));
        }
        String noDevice = deviceCountProblem(status, statusName, count[0]);
        if (noDevice != null) {
            return Verdict.no(noDevice);
        }
        try {
            Class.forName("org.bytedeco.tensorrt.global.nvinfer", true, loader);
            Class.forName("org.bytedeco.tensorrt.global.nvonnxparser", true, loader);
            return new Verdict(Availability.yes(), count[0], NativeCalls.tensorRtVersion());
        } catch (Throwable t) {
            return Verdict.no(loadFailure("TensorRT", t));
        }
    }

    /** Native calls, in their own class so that nothing resolves the presets before the classpath check. */
    private static final class NativeCalls {
        static int deviceCount(int[] count) {
            return org.bytedeco.cuda.global.cudart.cudaGetDeviceCount(count);
        }

        static String errorName(int status) {
            return org.bytedeco.cuda.global.cudart.cudaGetErrorName(status).getString();
        }

        static String tensorRtVersion() {
            return org.bytedeco.tensorrt.global.nvinfer.getInferLibMajorVersion() + "."
                    + org.bytedeco.tensorrt.global.nvinfer.getInferLibMinorVersion() + "."
                    + org.bytedeco.tensorrt.global.nvinfer.getInferLibPatchVersion();
        }
    }

    static String presetsMissing(Throwable t) {
        return "the TensorRT backend's JavaCPP presets (org.bytedeco:javacpp, org.bytedeco:cuda, org.bytedeco:tensorrt, "
                + "each with its linux-x86_64 jar) are not on the classpath (" + t + "); put them beside the StreamRT "
                + "engine jar (in Flink's lib/)";
    }

    /** Why loading {@code what} failed, from the error chain of the first attempt; the fix for each case. */
    static String loadFailure(String what, Throwable t) {
        String library = missingLibrary(t);
        String all = messages(t);
        if ((library != null && library.startsWith("libcuda.so")) || (library == null && all.contains("libcuda.so"))) {
            return "the NVIDIA driver is not installed or not visible here (libcuda.so.1 could not be loaded); "
                    + "install the NVIDIA driver, and in a container expose the GPU to it (e.g. docker run --gpus all)";
        }
        if (library != null) {
            String lower = library.toLowerCase(Locale.ROOT);
            if (lower.startsWith("libnvinfer") || lower.startsWith("libnvonnxparser")) {
                return "the TensorRT 11 libraries are not on the library path (" + library + " could not be loaded); "
                        + "install TensorRT 11 and put its lib directory (with libnvinfer.so.11 and "
                        + "libnvonnxparser.so.11) on LD_LIBRARY_PATH";
            }
            if (lower.startsWith("libcublas") || lower.startsWith("libcudnn") || lower.startsWith("libcudart")
                    || lower.startsWith("libnvrtc")) {
                return "the CUDA 13 libraries TensorRT needs are not on the library path (" + library
                        + " could not be loaded); install the CUDA 13 runtime libraries (cuBLAS) and put their "
                        + "directory on LD_LIBRARY_PATH";
            }
            return what + " could not be loaded because " + library + " is missing; put the directory that holds it "
                    + "on LD_LIBRARY_PATH";
        }
        if (t instanceof NoClassDefFoundError && all.contains("Could not initialize class")) {
            return what + " failed to load earlier in this JVM (" + firstLine(all) + "); the first attempt's error "
                    + "names the missing library, see the TaskManager log";
        }
        return what + " could not be loaded (" + firstLine(all) + "); the TensorRT backend runs on linux-x86_64 with "
                + "the NVIDIA driver, CUDA 13 and TensorRT 11 on LD_LIBRARY_PATH";
    }

    /** Null if {@code cudaGetDeviceCount} found a usable GPU, else why not and the fix. */
    static String deviceCountProblem(int status, String statusName, int count) {
        if (status == 0 && count > 0) {
            return null;
        }
        if (status == 35) {
            return "the NVIDIA driver is too old for the CUDA 13 runtime the TensorRT backend uses (cudaGetDeviceCount "
                    + "returned " + statusName + "); install a driver that supports CUDA 13";
        }
        if (status == 0 || status == 100) {
            return "no GPU is visible to this process (cudaGetDeviceCount " + (status == 0 ? "found 0 devices"
                    : "returned " + statusName) + "); check nvidia-smi, CUDA_VISIBLE_DEVICES and, in a container, "
                    + "that the GPU is exposed to it";
        }
        return "the GPU could not be queried (cudaGetDeviceCount returned status " + status + ", " + statusName
                + "); check nvidia-smi and the driver installation";
    }

    /** The first shared library named as missing in the error chain, e.g. {@code libcuda.so.1}; null if none. */
    static String missingLibrary(Throwable t) {
        Matcher matcher = MISSING_LIBRARY.matcher(messages(t));
        return matcher.find() ? matcher.group(1) : null;
    }

    /** Every message in the chain, causes and suppressed ones included, one per line. */
    static String messages(Throwable t) {
        List<String> lines = new ArrayList<>();
        collect(t, lines, new IdentityHashMap<>());
        return String.join("\n", lines);
    }

    private static void collect(Throwable t, List<String> lines, Map<Throwable, Boolean> seen) {
        if (t == null || seen.put(t, Boolean.TRUE) != null) {
            return;
        }
        lines.add(t.toString());
        collect(t.getCause(), lines, seen);
        for (Throwable suppressed : t.getSuppressed()) {
            collect(suppressed, lines, seen);
        }
    }

    private static String firstLine(String lines) {
        int end = lines.indexOf('\n');
        return end < 0 ? lines : lines.substring(0, end);
    }
}
