package io.streamrt.engine.testing;

import io.streamrt.engine.EngineRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A grace timer that fires only when told to, so tests drive engine expiry without sleeping.
 *
 * <pre>{@code
 * ManualGraceTimer timer = new ManualGraceTimer();
 * EngineRegistry registry = new EngineRegistry(List.of(new ScriptedEngineProvider()), Duration.ofSeconds(30), timer);
 * lease.close();
 * timer.fireAll();   // the grace period is over
 * }</pre>
 */
public final class ManualGraceTimer implements EngineRegistry.GraceTimer {

    private final List<Task> tasks = new ArrayList<>();

    private static final class Task {
        final Runnable runnable;
        final Duration delay;
        volatile boolean cancelled;

        Task(Runnable runnable, Duration delay) {
            this.runnable = runnable;
            this.delay = delay;
        }
    }

    @Override
    public synchronized EngineRegistry.Cancellable schedule(Runnable task, Duration delay) {
        Task scheduled = new Task(task, delay);
        tasks.add(scheduled);
        return () -> scheduled.cancelled = true;
    }

    /** Scheduled and neither fired nor cancelled. */
    public synchronized int pending() {
        return (int) tasks.stream().filter(t -> !t.cancelled).count();
    }

    /** Delay of the most recently scheduled task. */
    public synchronized Duration lastDelay() {
        if (tasks.isEmpty()) {
            throw new IllegalStateException("nothing was scheduled");
        }
        return tasks.get(tasks.size() - 1).delay;
    }

    /** Runs every pending task on the calling thread, as if their delays had passed; returns how many ran. */
    public int fireAll() {
        List<Task> due;
        synchronized (this) {
            due = new ArrayList<>(tasks);
            tasks.clear();
        }
        int fired = 0;
        for (Task task : due) {
            if (!task.cancelled) {
                task.runnable.run();
                fired++;
            }
        }
        return fired;
    }

    /** Runs every task, cancelled ones too: checks that a timer firing after a cancel is harmless. */
    public int fireAllIgnoringCancel() {
        List<Task> due;
        synchronized (this) {
            due = new ArrayList<>(tasks);
            tasks.clear();
        }
        due.forEach(t -> t.runnable.run());
        return due.size();
    }
}
