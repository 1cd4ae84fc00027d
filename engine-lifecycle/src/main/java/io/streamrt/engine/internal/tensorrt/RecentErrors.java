package io.streamrt.engine.internal.tensorrt;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * The last error lines a native library logged, kept per thread: TensorRT calls its logger on the thread that made
 * the failing call, so an exception quotes the errors of its own call, not those of another engine that failed on
 * another thread at the same time (one queue per JVM mixed them).
 *
 * <pre>{@code
 * errors.add("IBuilder::buildSerializedNetwork: out of memory"); // from the logger, on the calling thread
 * List<String> mine = errors.take();                            // the same thread, after the call failed
 * }</pre>
 */
final class RecentErrors {

    private final int kept;
    private final ThreadLocal<Deque<String>> perThread = ThreadLocal.withInitial(ArrayDeque::new);

    /** @param kept how many lines each thread keeps, the newest */
    RecentErrors(int kept) {
        if (kept < 1) {
            throw new IllegalArgumentException("kept must be at least 1, found " + kept);
        }
        this.kept = kept;
    }

    /** Keeps an error line for the calling thread, dropping its oldest beyond the limit. */
    void add(String message) {
        Deque<String> lines = perThread.get();
        if (lines.size() == kept) {
            lines.removeFirst();
        }
        lines.addLast(message);
    }

    /** The calling thread's lines, oldest first; cleared, so its next failure quotes only its own. */
    List<String> take() {
        Deque<String> lines = perThread.get();
        List<String> taken = new ArrayList<>(lines);
        lines.clear();
        return taken;
    }
}
