package io.streamrt.engine;

import io.streamrt.engine.internal.BackendSelector;
import io.streamrt.engine.task.TaskPlan;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds, shares and closes engines: one engine per equal {@link EngineSpec} in a JVM (a TaskManager), counted
 * by leases, kept for a grace period after the last lease closes so that a task restart does not rebuild it.
 *
 * <p>An engine whose batch fails with an {@link EngineFailedException} (a CUDA error, a lost device) is marked broken:
 * its later batches fail at once, the next {@link #acquire} builds a new engine (with a new engine id), and the broken
 * one is closed as soon as its last lease is released, without a grace period.
 *
 * <p>Backends are the {@link EngineProvider}s on the classpath. {@link EngineSpec#AUTO} picks the available one
 * with the highest {@link EngineProvider#autoRank()} and logs one line saying why the others were not picked.
 *
 * <pre>{@code
 * try (EngineLease lease = EngineRegistry.shared().acquire(spec)) {
 *     EncoderOutput out = lease.engine().run(batch);
 * }
 * }</pre>
 */
public final class EngineRegistry {

    /** System property: milliseconds an engine is kept after its last lease closes; 0 closes at once. */
    public static final String GRACE_PERIOD_PROPERTY = "streamrt.engine.grace-period-ms";

    /** Default grace period: long enough to cover a task restart on the same TaskManager. */
    public static final Duration DEFAULT_GRACE_PERIOD = Duration.ofSeconds(30);

    private static final Logger LOG = LoggerFactory.getLogger(EngineRegistry.class);

    /** Makes engine ids unique across TaskManagers, so logs and output records from several JVMs can be told apart. */
    private static final String JVM_TOKEN = UUID.randomUUID().toString().substring(0, 6);

    private static final AtomicLong ENGINE_COUNTER = new AtomicLong();
    private static final AtomicLong BUILD_THREADS = new AtomicLong();
    /** Where engines are built: daemon threads, one per build at a time, gone when idle. */
    private static final ExecutorService BUILDS = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "streamrt-engine-build-" + BUILD_THREADS.incrementAndGet());
        thread.setDaemon(true);
        return thread;
    });

    private final List<EngineProvider> providers;
    private final Duration gracePeriod;
    private final GraceTimer timer;

    /** Guards {@link #entries} and every {@link RegistryEntry}'s counters; never held while building or closing. */
    private final Object lock = new Object();

    private final Map<EngineSpec, RegistryEntry> entries = new HashMap<>();
    /** Broken engines no longer in {@link #entries}, still held by leases; closed with their last lease. */
    private final Set<RegistryEntry> retiring = new HashSet<>();
    private final AtomicInteger openLeases = new AtomicInteger();
    private final Map<Class<?>, Object> extensions = new ConcurrentHashMap<>();

    /**
     * Schedules the delayed close of an idle engine. Tests pass a manual one to fire it without sleeping.
     *
     * <pre>{@code
     * GraceTimer timer = (task, delay) -> { pending.add(task); return () -> pending.remove(task); };
     * }</pre>
     */
    @FunctionalInterface
    public interface GraceTimer {
        /** Runs {@code task} once after {@code delay}, unless cancelled first. */
        Cancellable schedule(Runnable task, Duration delay);
    }

    /**
     * A scheduled task that can still be called off.
     *
     * <pre>{@code
     * Cancellable pending = timer.schedule(task, Duration.ofSeconds(30));
     * pending.cancel();
     * }</pre>
     */
    @FunctionalInterface
    public interface Cancellable {
        /** Calls the task off if it has not started; harmless if it has (the registry re-checks). */
        void cancel();
    }

    /**
     * Creates a registry over the given backends.
     *
     * @param providers the backends to choose from, e.g. {@code ServiceLoader.load(EngineProvider.class)}
     * @param gracePeriod how long an engine outlives its last lease; zero closes it with the last lease
     * @param timer runs the delayed closes; see {@link #daemonTimer()}
     */
    public EngineRegistry(Iterable<EngineProvider> providers, Duration gracePeriod, GraceTimer timer) {
        Objects.requireNonNull(providers, "providers");
        this.gracePeriod = Objects.requireNonNull(gracePeriod, "gracePeriod");
        this.timer = Objects.requireNonNull(timer, "timer");
        if (gracePeriod.isNegative()) {
            throw new IllegalArgumentException("gracePeriod must not be negative, found " + gracePeriod);
        }
        List<EngineProvider> list = new ArrayList<>();
        providers.forEach(p -> list.add(Objects.requireNonNull(p, "provider")));
        this.providers = List.copyOf(list);
    }

    /**
     * The JVM-wide registry, over the providers visible to this class's class loader, with the grace period
     * from {@value #GRACE_PERIOD_PROPERTY} (default 30 s).
     */
    public static EngineRegistry shared() {
        return Shared.INSTANCE;
    }

    /** A timer on one daemon thread, shared by the registries that use it. */
    public static GraceTimer daemonTimer() {
        return DaemonGraceTimer.INSTANCE;
    }

    /**
     * A lease on the engine for {@code spec}, building it if no equal spec has one. Concurrent calls for one spec
     * build once; the others wait for that build and get its engine or its failure.
     *
     * @throws EngineException if no backend fits or the build fails; a failed build is not kept, the next call
     *     retries
     */
    public EngineLease acquire(EngineSpec spec) {
        Objects.requireNonNull(spec, "spec");
        RegistryEntry entry;
        boolean builder = false;
        synchronized (lock) {
            entry = entries.get(spec);
            if (entry == null) {
                entry = new RegistryEntry(spec);
                entries.put(spec, entry);
                builder = true;
            }
            // Counted before the build ends, so a lease released meanwhile cannot start the grace timer early.
            entry.refs++;
            entry.cancelPendingClose();
        }
        if (builder) {
            // On a thread of its own: a build can take minutes of native code (a TensorRT plan) that no interrupt
            // stops; the task that asked waits interruptibly below, so a cancel or failover does not outlast
            // Flink's task cancellation timeout. A build nobody waits for any more is closed once done.
            RegistryEntry building = entry;
            BUILDS.execute(() -> build(building));
        }
        BuiltEngine built;
        try {
            built = entry.future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            release(entry);
            throw new EngineException("interrupted while waiting for the engine for model '" + spec.model()
                    + "' to be built" + (builder ? "" : " by another task") + "; the build goes on and its engine "
                    + "is closed if no task takes it", e);
        } catch (ExecutionException | CancellationException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            if (builder && cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            // A fresh exception per waiter: one instance thrown in several threads gets confusing stack traces.
            throw EngineException.again(cause);
        }
        openLeases.incrementAndGet();
        return new RegistryLease(this, entry, built);
    }

    /**
     * Checks, without building anything, that {@code spec} can run here: its model resolves, a backend fits, and the
     * model's inputs and outputs are what that backend takes. Lets a client fail fast before submitting a job.
     *
     * @return the backend {@link #acquire} would use, e.g. {@code onnxruntime}
     * @throws EngineException naming what is missing and the fix ({@link ModelRejectedException} for the model)
     */
    public String check(EngineSpec spec) {
        return check(spec, TaskPlan.Choices.detect()).backend();
    }

    /**
     * As {@link #check(EngineSpec)}, and decides the model's task (from its config files, its outputs and the
     * choices) the way the operator will: a model that cannot serve it is refused here, before anything starts.
     *
     * @throws EngineException naming what is missing and the fix ({@link ModelRejectedException} for the model)
     */
    public ModelCheck check(EngineSpec spec, TaskPlan.Choices choices) {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(choices, "choices");
        BackendSelector.Selection selection = select(spec);
        return ModelCheck.of(selection.provider(), selection.model(), choices, selection.provider().name());
    }

    /**
     * As {@link #check(EngineSpec, TaskPlan.Choices)}, for a job whose engines open on other machines: a
     * cluster's TaskManagers, where {@code main()} runs in a client or the JobManager, which have no GPU. The model
     * is resolved and checked against the backend {@code spec} names from its files alone
     * ({@link EngineProvider#checkModel}), without asking whether this machine could run that backend: the
     * TaskManagers say so when they open it. {@link EngineSpec#AUTO} is checked against the CPU engine it falls back
     * to. {@link ModelCheck#backend()} then says where the engine is decided.
     *
     * @throws EngineException naming what is missing and the fix ({@link ModelRejectedException} for the model)
     */
    public ModelCheck checkForCluster(EngineSpec spec, TaskPlan.Choices choices) {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(choices, "choices");
        ModelFiles model = ModelFiles.resolve(spec.model(), spec.tokenizer());
        EngineProvider provider = BackendSelector.named(providers, spec);
        String engine = spec.engine().trim().toLowerCase(Locale.ROOT);
        return ModelCheck.of(provider, model, choices, engine + (EngineSpec.AUTO.equals(engine)
                ? ", decided on each TaskManager (TensorRT where a GPU and TensorRT are usable and the model suits it, "
                        + "else ONNX Runtime; the model was checked as ONNX Runtime runs it)"
                : ", on the TaskManagers (checked from the model's files; whether they can run it, they say when the "
                        + "job starts)"));
    }

    /**
     * The one {@code type} kept with this registry, made by {@code factory} on first use: what the layers above share
     * across the engines it holds, e.g. the statistics of the batch schedulers on them.
     */
    public <T> T extension(Class<T> type, Supplier<T> factory) {
        return type.cast(extensions.computeIfAbsent(type, t -> Objects.requireNonNull(factory.get(), "extension")));
    }

    /** Leases handed out and not yet closed. */
    public int openLeases() {
        return openLeases.get();
    }

    /**
     * Engines built and not yet closed, including idle ones within their grace period and broken ones still held by
     * leases.
     */
    public int openEngines() {
        synchronized (lock) {
            int open = retiring.size();
            for (RegistryEntry entry : entries.values()) {
                if (entry.future.isDone() && !entry.future.isCompletedExceptionally()) {
                    open++;
                }
            }
            return open;
        }
    }

    private void build(RegistryEntry entry) {
        EngineSpec spec = entry.spec;
        try {
            BackendSelector.Selection selection = select(spec);
            EngineProvider provider = selection.provider();
            ModelFiles model = selection.model();
            long start = System.nanoTime();
            InferenceEngine engine = provider.create(spec, model);
            String engineId = JVM_TOKEN + "-" + ENGINE_COUNTER.incrementAndGet() + "-" + provider.name() + "-"
                    + model.name();
            LOG.info("Built engine {} ({}, precision {}, max batch {}, max sequence {}) in {} ms", engineId,
                    engine.info().backend(), engine.info().precision(), engine.info().maxBatchSize(),
                    engine.info().maxSequenceLength(), (System.nanoTime() - start) / 1_000_000);
            entry.future.complete(new BuiltEngine(this, entry, engine, model, engineId));
            closeIfAbandoned(entry);
        } catch (Throwable t) {
            synchronized (lock) {
                if (entries.get(spec) == entry) {
                    entries.remove(spec);
                }
            }
            entry.future.completeExceptionally(t);
        }
    }

    /** The backend for the spec and the model it runs (a substitute, under auto: {@link BackendSelector#choose}). */
    private BackendSelector.Selection select(EngineSpec spec) {
        return BackendSelector.choose(providers, spec, ModelFiles.resolve(spec.model(), spec.tokenizer()));
    }

    /**
     * After a build: if every task that waited for it gave up (interrupted) and there is no grace period, nothing
     * would ever release it, so it closes now. With a grace period the last release already scheduled its close.
     */
    private void closeIfAbandoned(RegistryEntry entry) {
        synchronized (lock) {
            if (entry.refs > 0 || !gracePeriod.isZero() || entries.get(entry.spec) != entry) {
                return;
            }
            entries.remove(entry.spec);
        }
        entry.close("every task waiting for its build gave up (no grace period)");
    }

    /** A lease was closed: counts it and releases its entry. */
    void leaseClosed(RegistryEntry entry) {
        openLeases.decrementAndGet();
        release(entry);
    }

    private void release(RegistryEntry entry) {
        String why;
        synchronized (lock) {
            entry.refs--;
            if (entry.refs > 0) {
                return;
            }
            if (entry.broken) {
                // No grace period for a broken engine: nobody can use it, and it may hold a whole GPU's memory.
                if (!retiring.remove(entry)) {
                    return;
                }
                why = "its last lease was released after it broke";
            } else {
                if (entries.get(entry.spec) != entry) {
                    return;
                }
                if (!gracePeriod.isZero()) {
                    long generation = ++entry.closeGeneration;
                    entry.pendingClose = timer.schedule(() -> expire(entry, generation), gracePeriod);
                    return;
                }
                if (!entry.future.isDone()) {
                    // Only waiters that gave up held it; the build closes it when done (closeIfAbandoned).
                    return;
                }
                entries.remove(entry.spec);
                why = "its last lease was released (no grace period)";
            }
        }
        entry.close(why);
    }

    private void expire(RegistryEntry entry, long generation) {
        synchronized (lock) {
            // The timer may fire after a cancel (it races with acquire), or for an older release: re-check.
            if (entry.refs > 0 || entry.closeGeneration != generation || entries.get(entry.spec) != entry) {
                return;
            }
            if (!entry.future.isDone()) {
                // The build outlived the grace period with no one waiting: close it once it is there.
                entry.future.whenComplete((b, t) -> expire(entry, generation));
                return;
            }
            entries.remove(entry.spec);
            entry.pendingClose = null;
        }
        entry.close("its grace period ended");
    }

    /**
     * Takes a broken engine out of its spec's slot, so that the next acquire builds a new one; closes it now if no
     * lease holds it, else when the last one is released. Batches in flight on it fail on their own.
     */
    void markBroken(RegistryEntry entry, BuiltEngine built, EngineFailedException failure) {
        int leases;
        synchronized (lock) {
            if (entry.broken) {
                return;
            }
            entry.broken = true;
            entry.brokenBy = failure.getMessage();
            entries.remove(entry.spec, entry);
            entry.cancelPendingClose();
            leases = entry.refs;
            if (leases > 0) {
                retiring.add(entry);
            }
        }
        LOG.warn("Engine {} is broken and will not run more batches: {}. The next acquire builds a new engine; this "
                + "one closes when its {} open lease(s) are released", built.engineId, failure.getMessage(), leases);
        if (leases == 0) {
            entry.close("it broke with no lease open");
        }
    }

    private static final class Shared {
        static final EngineRegistry INSTANCE = create();

        private static EngineRegistry create() {
            Duration grace = DEFAULT_GRACE_PERIOD;
            String property = System.getProperty(GRACE_PERIOD_PROPERTY);
            if (property != null && !property.isBlank()) {
                try {
                    grace = Duration.ofMillis(Long.parseLong(property.trim()));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("system property " + GRACE_PERIOD_PROPERTY
                            + " must be a whole number of milliseconds, found '" + property + "'", e);
                }
            }
            return new EngineRegistry(loadProviders(), grace, daemonTimer());
        }

        /**
         * This class's loader, not the thread's: in Flink the engine jars sit in lib/ and the registry is shared by
         * all jobs, so a job's own class loader must not leak into it.
         */
        private static List<EngineProvider> loadProviders() {
            List<EngineProvider> found = new ArrayList<>();
            Iterator<EngineProvider> it =
                    ServiceLoader.load(EngineProvider.class, EngineRegistry.class.getClassLoader()).iterator();
            while (true) {
                try {
                    if (!it.hasNext()) {
                        break;
                    }
                    found.add(it.next());
                } catch (ServiceConfigurationError e) {
                    // One broken backend jar should not take the working ones down with it.
                    LOG.warn("Skipping an engine provider that could not be loaded: {}", e.toString());
                }
            }
            return found;
        }
    }

}
