package io.streamrt.engine.internal.tensorrt;

import io.streamrt.engine.EngineException;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Native resources in creation order, freed in reverse: each one's release is pushed right after it is created,
 * so a failure halfway through building an engine frees exactly what exists. Every release runs even when an
 * earlier one fails; the first failure is thrown with the rest suppressed.
 *
 * <pre>{@code
 * try (NativeStack natives = new NativeStack()) {
 *     CUstream_st stream = ...;
 *     natives.push("cudaStreamDestroy", () -> cudaStreamDestroy(stream));
 * }
 * }</pre>
 */
final class NativeStack implements AutoCloseable {

    /** Frees one resource; returns a CUDA status (0 is success) or throws. */
    @FunctionalInterface
    interface Release {
        int run() throws Exception;
    }

    private record Entry(String what, Release release) {}

    private final Deque<Entry> entries = new ArrayDeque<>();

    /** Registers how to free a resource just created. */
    void push(String what, Release release) {
        entries.push(new Entry(what, release));
    }

    /** Moves everything to a new stack (the engine's), leaving this one empty: ownership passes on success. */
    NativeStack transfer() {
        NativeStack taken = new NativeStack();
        // Bottom first, so the new stack keeps the same order.
        entries.descendingIterator().forEachRemaining(taken.entries::push);
        entries.clear();
        return taken;
    }

    int size() {
        return entries.size();
    }

    @Override
    public void close() {
        RuntimeException failure = null;
        while (!entries.isEmpty()) {
            Entry entry = entries.pop();
            RuntimeException problem = null;
            try {
                int status = entry.release().run();
                if (status != 0) {
                    problem = new EngineException("freeing native resource failed: " + entry.what() + " returned status "
                            + status);
                }
            } catch (Exception | LinkageError e) {
                problem = new EngineException("freeing native resource failed: " + entry.what() + ": " + e, e);
            }
            if (problem != null) {
                if (failure == null) {
                    failure = problem;
                } else {
                    failure.addSuppressed(problem);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
