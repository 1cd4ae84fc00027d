package io.streamrt.jobs.bench;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * One line per step of a {@code bench} run on stderr, so a person sees the run moving: the step's number of all,
 * the seconds since the start and what it does; then its details and its outcome with the step's seconds.
 *
 * <pre>{@code
 * BenchProgress progress = new BenchProgress(err, 2);
 * progress.step("engine alone: 400 records");   // [bench  1/2     0 s] engine alone: 400 records
 * progress.done("best 812.4 records/s");         //                       -> best 812.4 records/s (3.1 s)
 * }</pre>
 */
final class BenchProgress {

    private final PrintWriter err;
    private final int steps;
    private final long started = System.nanoTime();
    private int step;
    private long stepStarted;

    BenchProgress(PrintWriter err, int steps) {
        this.err = err;
        this.steps = steps;
    }

    void step(String what) {
        step++;
        stepStarted = System.nanoTime();
        err.printf(Locale.ROOT, "[bench %2d/%d %5.0f s] %s%n", step, steps, elapsed(started), what);
        err.flush();
    }

    void detail(String what) {
        err.println("                      " + what);
        err.flush();
    }

    void done(String what) {
        err.printf(Locale.ROOT, "                      -> %s (%.1f s)%n", what, elapsed(stepStarted));
        err.flush();
    }

    private static double elapsed(long since) {
        return (System.nanoTime() - since) / 1e9;
    }
}
