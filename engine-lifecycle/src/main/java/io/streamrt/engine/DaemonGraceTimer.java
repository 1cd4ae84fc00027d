package io.streamrt.engine;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The registries' grace timer: one daemon thread, shared by every registry that uses it. */
final class DaemonGraceTimer implements EngineRegistry.GraceTimer {
    static final DaemonGraceTimer INSTANCE = new DaemonGraceTimer();

    private static final Logger LOG = LoggerFactory.getLogger(DaemonGraceTimer.class);

    private final ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, r -> {
        Thread thread = new Thread(r, "streamrt-engine-grace");
        // Must not keep a JVM alive that has nothing left to do but close idle engines.
        thread.setDaemon(true);
        return thread;
    });

    private DaemonGraceTimer() {
        // Every re-acquire within a grace period cancels a task: drop them now rather than after 30 s.
        executor.setRemoveOnCancelPolicy(true);
    }

    @Override
    public EngineRegistry.Cancellable schedule(Runnable task, Duration delay) {
        ScheduledFuture<?> future = executor.schedule(() -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                LOG.warn("Delayed engine close failed", e);
            }
        }, delay.toNanos(), TimeUnit.NANOSECONDS);
        return () -> future.cancel(false);
    }
}
