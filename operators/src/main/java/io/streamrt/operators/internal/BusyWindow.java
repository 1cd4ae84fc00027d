package io.streamrt.operators.internal;

/**
 * The share of time an engine's workers ran batches over the last few seconds, as a gauge many readers can read:
 * reading changes nothing (a read-and-reset gauge shared by every subtask of a TaskManager would shrink the window
 * each of them sees). Busy time is counted in one-second slots by when each batch ended; the window is the last
 * {@value #SLOTS} whole seconds plus the current one, or less right after start. Thread-safe.
 *
 * <pre>{@code
 * BusyWindow busy = new BusyWindow(2, System.nanoTime());
 * busy.add(System.nanoTime(), runNanos);          // after each batch
 * double fraction = busy.fraction(System.nanoTime());
 * }</pre>
 */
final class BusyWindow {

    /** Whole seconds in the window. */
    static final int SLOTS = 10;

    private static final long SLOT_NANOS = 1_000_000_000L;

    private final int workers;
    private final long startNanos;
    /** Busy nanoseconds per second, in a ring indexed by the second since start; guarded by this. */
    private final long[] busy = new long[SLOTS + 1];
    /** The second each ring slot holds; guarded by this. */
    private final long[] second = new long[SLOTS + 1];

    BusyWindow(int workers, long startNanos) {
        this.workers = Math.max(1, workers);
        this.startNanos = startNanos;
        java.util.Arrays.fill(second, -1);
    }

    /** Counts a batch that ran {@code runNanos} and ended at {@code endNanos}. */
    synchronized void add(long endNanos, long runNanos) {
        long s = secondOf(endNanos);
        int slot = (int) (s % busy.length);
        if (second[slot] != s) {
            second[slot] = s;
            busy[slot] = 0;
        }
        busy[slot] += runNanos;
    }

    /** Busy share per worker over the window ending at {@code nowNanos}, in [0, 1]. */
    synchronized double fraction(long nowNanos) {
        long now = secondOf(nowNanos);
        long sum = 0;
        for (int i = 0; i < busy.length; i++) {
            if (second[i] >= 0 && second[i] > now - busy.length && second[i] <= now) {
                sum += busy[i];
            }
        }
        long windowStart = Math.max(startNanos, startNanos + (now - SLOTS) * SLOT_NANOS);
        long wall = Math.max(1, nowNanos - windowStart) * workers;
        return Math.min(1.0, (double) sum / wall);
    }

    private long secondOf(long nanos) {
        return Math.max(0, nanos - startNanos) / SLOT_NANOS;
    }
}
