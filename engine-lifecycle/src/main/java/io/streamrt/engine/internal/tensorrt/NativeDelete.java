package io.streamrt.engine.internal.tensorrt;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import org.bytedeco.javacpp.Pointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Frees TensorRT objects for real: {@code delete} through a small native library built with the project
 * ({@code src/main/native/streamrt_trt.c}, compiled by gcc at build time into the jar for the build machine's OS and
 * architecture). The presets' {@code Pointer.deallocate()} does nothing for pointers TensorRT returned, so without
 * it every engine close leaked its weights and activation memory on the GPU.
 *
 * <p>Where the library is missing (built without gcc, another architecture) or turned off with
 * {@code -D}{@value #ENABLED_PROPERTY}{@code =false}, objects are left as before (leaked), said once in the log.
 *
 * <pre>{@code
 * NativeDelete.deleteNoCopy(engine);   // an ICudaEngine, IExecutionContext, IRuntime, IBuilder, ...
 * }</pre>
 */
final class NativeDelete {

    /** {@code false} turns native deletion off. */
    static final String ENABLED_PROPERTY = "streamrt.tensorrt.native-delete";

    private static final Logger LOG = LoggerFactory.getLogger(NativeDelete.class);
    private static final String LIBRARY = "libstreamrt-trt.so";
    private static final AtomicBoolean WARNED = new AtomicBoolean();
    private static final String UNAVAILABLE = load();

    private NativeDelete() {}

    /** Whether objects are deleted for real. */
    static boolean available() {
        return UNAVAILABLE == null;
    }

    /** Why not, or null. */
    static String unavailableReason() {
        return UNAVAILABLE;
    }

    /**
     * Deletes a TensorRT object derived from {@code nvinfer1::INoCopy} (every interface the library implements;
     * not the ONNX parser), then nulls the pointer. Where deletion is unavailable, does nothing.
     */
    static void deleteNoCopy(Pointer object) {
        if (!available() || object == null || object.isNull()) {
            return;
        }
        deleteNoCopy(object.address());
        object.setNull();
    }

    /** The resource path of the library for this OS and architecture, as the build names it. */
    static String resource() {
        return "native/" + System.getProperty("os.name").toLowerCase(Locale.ROOT).replace(' ', '-') + "-"
                + System.getProperty("os.arch") + "/" + LIBRARY;
    }

    private static String load() {
        if ("false".equalsIgnoreCase(System.getProperty(ENABLED_PROPERTY, "true").trim())) {
            return "turned off with -D" + ENABLED_PROPERTY + "=false";
        }
        String resource = resource();
        try (InputStream in = NativeDelete.class.getResourceAsStream(resource)) {
            if (in == null) {
                return "no " + resource + " in this build (gcc was missing when it was built, or another OS or "
                        + "architecture)";
            }
            Path file = Files.createTempFile("streamrt-trt", ".so");
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            file.toFile().deleteOnExit();
            System.load(file.toString());
            if (selfTest() != 1) {
                return "its self-test failed";
            }
            return null;
        } catch (IOException | UnsatisfiedLinkError | SecurityException e) {
            return "could not load " + resource + ": " + e;
        }
    }

    /** Logs once why TensorRT objects are not freed, where they are not. */
    static void warnIfUnavailable() {
        if (!available() && WARNED.compareAndSet(false, true)) {
            LOG.warn("TensorRT objects are not freed when an engine closes ({}): each engine close leaks its GPU "
                    + "memory until the process ends", UNAVAILABLE);
        }
    }

    private static native void deleteNoCopy(long address);

    /** 1 when the library's delete path calls a stand-in object's deleting destructor once. */
    static native int selfTest();
}
