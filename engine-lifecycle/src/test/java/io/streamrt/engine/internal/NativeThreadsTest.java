package io.streamrt.engine.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class NativeThreadsTest {

    @Test
    void theStackGrowsWithTheCommandLineBetweenAFloorAndACap() {
        assertThat(NativeThreads.stackBytesFor(0)).isEqualTo(NativeThreads.MIN_STACK_BYTES);
        assertThat(NativeThreads.stackBytesFor(5_000)).isEqualTo(NativeThreads.MIN_STACK_BYTES);
        // ONNX Runtime needed between 16 and 32 MB for an 80,000-byte command line when measured.
        assertThat(NativeThreads.stackBytesFor(80_000)).isGreaterThanOrEqualTo(64L << 20);
        assertThat(NativeThreads.stackBytesFor(200_000)).isEqualTo(200_000L * 1024);
        assertThat(NativeThreads.stackBytesFor(Long.MAX_VALUE)).isEqualTo(NativeThreads.MAX_STACK_BYTES);
    }

    @Test
    void readsThisProcesssCommandLineLength() throws IOException {
        Path cmdline = Path.of("/proc/self/cmdline");
        if (Files.isReadable(cmdline)) {
            assertThat(NativeThreads.commandLineBytes()).isEqualTo(Files.readAllBytes(cmdline).length).isPositive();
        } else {
            assertThat(NativeThreads.commandLineBytes()).isZero();
        }
    }

    @Test
    void aCallTooDeepForADefaultThreadStackRunsOnTheLargeOne() throws InterruptedException {
        int depth = 200_000;
        AtomicReference<Throwable> onDefaultStack = new AtomicReference<>();
        Thread plain = new Thread(null, () -> {
            try {
                recurse(depth);
            } catch (StackOverflowError e) {
                onDefaultStack.set(e);
            }
        }, "one-megabyte-stack", 1L << 20);
        plain.start();
        plain.join();
        assertThat(onDefaultStack.get()).as("the same call on a 1 MB stack").isInstanceOf(StackOverflowError.class);

        assertThat(NativeThreads.callOnLargeStack("a deep call", () -> recurse(depth))).isEqualTo(depth);
    }

    @Test
    void returnsTheResultAndRethrowsFailuresAsTheyWere() {
        assertThat(NativeThreads.callOnLargeStack("a value", () -> Thread.currentThread().getName()))
                .isEqualTo("streamrt-native-init");
        assertThatThrownBy(() -> NativeThreads.callOnLargeStack("a link", () -> {
            throw new UnsatisfiedLinkError("no libonnxruntime in java.library.path");
        })).isInstanceOf(UnsatisfiedLinkError.class).hasMessage("no libonnxruntime in java.library.path");
        assertThatThrownBy(() -> NativeThreads.callOnLargeStack("a file", () -> {
            throw new IOException("disk gone");
        })).isInstanceOf(IllegalStateException.class).hasMessageContaining("initialising a file failed")
                .hasRootCauseMessage("disk gone");
    }

    private static int recurse(int n) {
        return n == 0 ? 0 : 1 + recurse(n - 1);
    }
}
