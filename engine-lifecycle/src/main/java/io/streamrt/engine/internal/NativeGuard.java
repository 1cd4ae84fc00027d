package io.streamrt.engine.internal;

import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;

/**
 * Keeps an engine's native resources from being freed under the calls that use them: a call runs under a shared
 * lock once it has checked that the engine is open, and close takes the exclusive lock, so it waits for the calls
 * in flight before freeing, and frees only once.
 *
 * <pre>{@code
 * EncoderOutput out = guard.whileOpen(info::closedError, () -> runOn(session, batch));
 * guard.close(session::close);
 * }</pre>
 */
public final class NativeGuard {

    /**
     * Fair, so that a waiting close is not starved by a stream of new calls; those then find the engine closed and
     * fail with a clear message instead of racing the freeing.
     */
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock(true);

    private volatile boolean closed;

    /** Whether close has begun: for reads that make no native call. */
    public boolean isClosed() {
        return closed;
    }

    /**
     * Runs {@code use}, holding off close until it returns.
     *
     * @throws RuntimeException {@code closedError}'s, once the engine is closed
     */
    public <T> T whileOpen(Supplier<? extends RuntimeException> closedError, Supplier<T> use) {
        Lock read = lock.readLock();
        read.lock();
        try {
            if (closed) {
                throw closedError.get();
            }
            return use.get();
        } finally {
            read.unlock();
        }
    }

    /** Marks the engine closed and runs {@code free} once the calls in flight have returned; later calls do nothing. */
    public void close(Runnable free) {
        Lock write = lock.writeLock();
        write.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            free.run();
        } finally {
            write.unlock();
        }
    }
}
