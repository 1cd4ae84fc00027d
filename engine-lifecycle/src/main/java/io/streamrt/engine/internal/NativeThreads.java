package io.streamrt.engine.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs native initialisation on a thread of ours whose stack we size, not on the caller's.
 *
 * <p>Why: ONNX Runtime 1.29's environment creation matches the process's command line ({@code /proc/self/cmdline})
 * against a regular expression with libstdc++'s {@code std::regex}, whose backtracking matcher recurses once per
 * character, about 300-400 bytes of native stack per byte of command line. A JVM started with an explicit
 * classpath of 50 or more Maven jars (what an IDE, {@code mvn exec} or Flink's own start scripts write) has a
 * command line of 5 KB and more, which overflows the default 1 MB Java thread stack: the JVM dies with SIGSEGV and
 * no error file, in whatever thread (a task thread, {@code main}) touched ONNX Runtime first. The recursion depth
 * depends only on the command line, so a stack sized from it is safe whatever the user's {@code -Xss}.
 *
 * <pre>{@code
 * OrtEnvironment env = NativeThreads.callOnLargeStack("ONNX Runtime's environment", OrtEnvironment::getEnvironment);
 * }</pre>
 */
public final class NativeThreads {

    /** The least stack given: covers command lines up to ~16 KB by a wide margin. */
    static final long MIN_STACK_BYTES = 64L << 20;

    /** Stack per byte of command line: about three times what ONNX Runtime's matcher was measured to use. */
    static final long STACK_BYTES_PER_COMMAND_LINE_BYTE = 1024;

    /** A cap on the reservation (virtual memory: only the pages the call touches are committed). */
    static final long MAX_STACK_BYTES = 4L << 30;

    private static final Path COMMAND_LINE = Path.of("/proc/self/cmdline");

    private NativeThreads() {}

    /**
     * Calls {@code call} on a new thread with a stack sized for this process's command line, waits for it, and
     * returns its result or rethrows what it threw (unchecked as is, checked wrapped in an
     * {@link IllegalStateException} naming {@code what}).
     *
     * @param what names the work in the thread's name and in errors, e.g. {@code ONNX Runtime's environment}
     */
    public static <T> T callOnLargeStack(String what, Callable<T> call) {
        Objects.requireNonNull(what, "what");
        Objects.requireNonNull(call, "call");
        AtomicReference<T> result = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread thread = new Thread(null, () -> {
            try {
                result.set(call.call());
            } catch (Throwable t) {
                failure.set(t);
            }
        }, "streamrt-native-init", stackBytesFor(commandLineBytes()));
        thread.setDaemon(true);
        thread.start();
        boolean interrupted = false;
        while (true) {
            try {
                thread.join();
                break;
            } catch (InterruptedException e) {
                // Native initialisation cannot be called off halfway; finish waiting, then restore the flag.
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        Throwable t = failure.get();
        if (t instanceof RuntimeException runtime) {
            throw runtime;
        }
        if (t instanceof Error error) {
            throw error;
        }
        if (t != null) {
            throw new IllegalStateException("initialising " + what + " failed: " + t, t);
        }
        return result.get();
    }

    /** The stack to give for a command line of {@code commandLineBytes}. */
    static long stackBytesFor(long commandLineBytes) {
        long scaled = commandLineBytes > MAX_STACK_BYTES / STACK_BYTES_PER_COMMAND_LINE_BYTE ? MAX_STACK_BYTES
                : commandLineBytes * STACK_BYTES_PER_COMMAND_LINE_BYTE;
        return Math.min(MAX_STACK_BYTES, Math.max(MIN_STACK_BYTES, scaled));
    }

    /** Bytes in this process's command line, or 0 where {@code /proc} does not tell (not Linux). */
    static long commandLineBytes() {
        try (InputStream in = Files.newInputStream(COMMAND_LINE)) {
            long bytes = 0;
            byte[] buffer = new byte[8192];
            for (int n; (n = in.read(buffer)) > 0; ) {
                bytes += n;
            }
            return bytes;
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return 0;
        }
    }
}
