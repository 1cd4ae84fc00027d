package io.streamrt.engine;

import java.util.concurrent.CompletableFuture;

/**
 * One {@link EngineSpec}'s slot in the {@link EngineRegistry}: its build (shared by all who wait for it), its lease
 * count, its pending delayed close, and whether its engine broke. Its mutable fields are guarded by the registry's
 * lock, except {@link #broken}, which {@link GuardedEngine#run} reads without it.
 */
final class RegistryEntry {
    final EngineSpec spec;
    /** The words of whoever started the build, for its errors (every waiter gets the same failure). */
    final OptionWords words;
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

    RegistryEntry(EngineSpec spec, OptionWords words) {
        this.spec = spec;
        this.words = words;
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
