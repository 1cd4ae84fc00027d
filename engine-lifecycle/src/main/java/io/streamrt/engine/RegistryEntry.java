package io.streamrt.engine;

import java.util.concurrent.CompletableFuture;

/**
 * One {@link EngineSpec}'s slot in the {@link EngineRegistry}: its build (shared by all who wait for it), its lease
 * count, its pending delayed close, and whether its engine broke. Its mutable fields are guarded by the registry's
 * lock, except {@link #broken}, which {@link GuardedEngine#run} reads without it.
 */
final class RegistryEntry {
    final EngineSpec spec;
    final CompletableFuture<BuiltEngine> future = new CompletableFuture<>();
    /** Leases plus acquires waiting for the build; guarded by the registry lock. */
    int refs;
    /** Guarded by the registry lock; tells a stale timer from the current one. */
    long closeGeneration;
    /** Guarded by the registry lock. */
    EngineRegistry.Cancellable pendingClose;
    /** Set once, under the registry lock; read without it by {@link GuardedEngine#run}. */
    volatile boolean broken;
    /** What broke it; written before {@link #broken}. */
    volatile String brokenBy;

    RegistryEntry(EngineSpec spec) {
        this.spec = spec;
    }

    /** Closes its engine, if built, with its attachments; outside the registry lock. */
    void close(String why) {
        BuiltEngine built = future.getNow(null);
        if (built != null) {
            built.close(why);
        }
    }

    /** Calls off a pending delayed close; under the registry lock. */
    void cancelPendingClose() {
        if (pendingClose != null) {
            pendingClose.cancel();
            pendingClose = null;
        }
        closeGeneration++;
    }
}
