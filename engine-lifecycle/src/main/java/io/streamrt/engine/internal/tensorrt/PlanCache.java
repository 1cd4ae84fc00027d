package io.streamrt.engine.internal.tensorrt;

import io.streamrt.engine.EngineException;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serialized TensorRT plans on local disk, one file per {@link PlanKey}. A build takes minutes, a load seconds: the
 * cache turns every start after the first into a load.
 *
 * <p>A file is the plan behind a header: magic, format version, the key's canonical string, the plan's length and
 * its SHA-256. It is written to a temporary file and moved into place atomically, so a reader never sees half a
 * plan. {@link #load} checks all of the header against the wanted key and the bytes against their hash; a file that
 * fails any check (corrupt, truncated, renamed from another key, not a plan file) is logged, deleted and reported as
 * absent, so that it is rebuilt and never handed to TensorRT.
 *
 * <p>Within a JVM, {@link #getOrBuild} runs one build per plan file at a time; other callers for the same key wait
 * for that build's result. Separate JVMs sharing a directory may both build; the atomic move keeps the file whole.
 *
 * <pre>{@code
 * PlanCache cache = new PlanCache(Path.of("/var/cache/streamrt-plans"));
 * PlanCache.Plan plan = cache.getOrBuild(key, () -> builder.buildSerializedPlan());
 * }</pre>
 */
public final class PlanCache {

    /** First bytes of every plan file. */
    static final byte[] MAGIC = "SRT-PLAN".getBytes(StandardCharsets.US_ASCII);

    /**
     * Bumped when the header layout or what a plan holds changes: older files are then rebuilt, not misread or bound
     * wrongly. 2: a plan keeps only the output StreamRT reads.
     */
    static final int FORMAT_VERSION = 2;

    /** A key's canonical string is a few hundred bytes; anything far larger is not a header. */
    private static final int MAX_KEY_BYTES = 1 << 16;

    private static final int SHA256_BYTES = 32;

    private static final Logger LOG = LoggerFactory.getLogger(PlanCache.class);

    /** Builds under way in this JVM, by absolute plan file: shared by all caches, so two over one folder agree. */
    private static final ConcurrentHashMap<Path, CompletableFuture<Plan>> BUILDS = new ConcurrentHashMap<>();

    private final Path directory;

    /**
     * A plan and where it came from.
     *
     * @param bytes the serialized plan
     * @param loaded true if read from the cache, false if built by this call (or by the call this one waited for)
     */
    public record Plan(byte[] bytes, boolean loaded) {
        public Plan {
            Objects.requireNonNull(bytes, "bytes");
        }
    }

    /** A cache over {@code directory}, created on first store. */
    public PlanCache(Path directory) {
        this.directory = Objects.requireNonNull(directory, "directory").toAbsolutePath().normalize();
    }

    public Path directory() {
        return directory;
    }

    /** Where the plan for {@code key} lives (whether or not it exists yet). */
    public Path fileFor(PlanKey key) {
        return directory.resolve(key.fileName());
    }

    /**
     * The cached plan for {@code key}, or the result of {@code build} (then stored). Concurrent calls for one key
     * in this JVM build once: the others wait and get the same plan, or the same failure.
     *
     * @throws EngineException if the build fails; nothing is stored and the next call builds again
     */
    public Plan getOrBuild(PlanKey key, Supplier<byte[]> build) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(build, "build");
        Path file = fileFor(key);
        CompletableFuture<Plan> mine = new CompletableFuture<>();
        CompletableFuture<Plan> running = BUILDS.putIfAbsent(file, mine);
        if (running != null) {
            LOG.info("Waiting for the TensorRT plan {} being built by another task in this JVM", file.getFileName());
            return await(running, key);
        }
        try {
            Plan plan = load(key).map(bytes -> new Plan(bytes, true)).orElseGet(() -> buildAndStore(key, build));
            mine.complete(plan);
            return plan;
        } catch (RuntimeException | Error e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            BUILDS.remove(file, mine);
        }
    }

    private Plan buildAndStore(PlanKey key, Supplier<byte[]> build) {
        byte[] bytes = Objects.requireNonNull(build.get(), "the plan build returned null");
        try {
            store(key, bytes);
        } catch (EngineException e) {
            // The plan itself is good: serve it, and build again next start rather than fail this one.
            LOG.warn("Could not cache the TensorRT plan; the next start builds it again: {}", e.getMessage());
        }
        return new Plan(bytes, false);
    }

    private static Plan await(CompletableFuture<Plan> running, PlanKey key) {
        try {
            return running.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EngineException("interrupted while waiting for another task to build the TensorRT plan for "
                    + key.canonical(), e);
        } catch (ExecutionException | CancellationException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new EngineException("the TensorRT plan build this task waited for failed: " + cause.getMessage(),
                    cause);
        }
    }

    /**
     * The plan for {@code key} if a valid file holds it. A file that fails a check is logged with the reason,
     * deleted, and reported as absent.
     */
    public Optional<byte[]> load(PlanKey key) {
        Path file = fileFor(key);
        Inspection inspection = inspect(file, key);
        if (inspection.plan() != null) {
            return Optional.of(inspection.plan());
        }
        if (inspection.problem() != null) {
            LOG.warn("Discarding cached TensorRT plan {}: {}; it will be rebuilt", file, inspection.problem());
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                LOG.warn("Could not delete the bad plan file {}: {}", file, e.toString());
            }
        }
        return Optional.empty();
    }

    /**
     * Writes the plan for {@code key}: to a temporary file in the cache directory, forced to disk, then moved over
     * any older file in one step.
     *
     * @throws EngineException naming the file and the fix if the directory cannot be written
     */
    public void store(PlanKey key, byte[] plan) {
        Objects.requireNonNull(plan, "plan");
        Path file = fileFor(key);
        Path temp = null;
        try {
            Files.createDirectories(directory);
            temp = Files.createTempFile(directory, key.fileName() + ".", ".tmp");
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE);
                    OutputStream out = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16)) {
                writeHeader(new DataOutputStream(out), key, plan);
                out.write(plan);
                out.flush();
                channel.force(true);
            }
            try {
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
            }
            temp = null;
            LOG.info("Cached TensorRT plan ({} MB) as {}", plan.length / (1 << 20), file);
        } catch (IOException e) {
            throw new EngineException("could not write the TensorRT plan cache file " + file + ": " + e
                    + "; make the directory writable or point " + TensorRtOptions.PLAN_CACHE_DIR_PROPERTY
                    + " at a writable one", e);
        } finally {
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException e) {
                    LOG.debug("Could not delete temporary plan file {}", temp, e);
                }
            }
        }
    }

    static void writeHeader(DataOutputStream out, PlanKey key, byte[] plan) throws IOException {
        byte[] canonical = key.canonical().getBytes(StandardCharsets.UTF_8);
        out.write(MAGIC);
        out.writeInt(FORMAT_VERSION);
        out.writeInt(canonical.length);
        out.write(canonical);
        out.writeLong(plan.length);
        out.write(PlanKey.sha256().digest(plan));
        out.flush();
    }

    /** What a file holds for a key: the plan, or why not (null problem and null plan: no file). */
    record Inspection(byte[] plan, String problem) {}

    static Inspection inspect(Path file, PlanKey key) {
        long size;
        try {
            size = Files.size(file);
        } catch (NoSuchFileException e) {
            return new Inspection(null, null);
        } catch (IOException e) {
            return new Inspection(null, "it could not be read (" + e + ")");
        }
        try (InputStream raw = Files.newInputStream(file);
                DataInputStream in = new DataInputStream(new BufferedInputStream(raw, 1 << 16))) {
            byte[] magic = new byte[MAGIC.length];
            in.readFully(magic);
            if (!Arrays.equals(magic, MAGIC)) {
                return new Inspection(null, "it does not start with the plan cache's magic bytes, so it is not a "
                        + "StreamRT plan file");
            }
            int version = in.readInt();
            if (version != FORMAT_VERSION) {
                return new Inspection(null, "it has format version " + version + ", expected " + FORMAT_VERSION);
            }
            int keyLength = in.readInt();
            if (keyLength < 0 || keyLength > MAX_KEY_BYTES) {
                return new Inspection(null, "its header is damaged (key length " + keyLength + ")");
            }
            byte[] keyBytes = new byte[keyLength];
            in.readFully(keyBytes);
            String foundKey = new String(keyBytes, StandardCharsets.UTF_8);
            if (!foundKey.equals(key.canonical())) {
                return new Inspection(null, "it holds the plan for another key (" + foundKey + "), expected "
                        + key.canonical() + ": it was renamed or copied from another cache entry");
            }
            long planLength = in.readLong();
            byte[] expectedHash = new byte[SHA256_BYTES];
            in.readFully(expectedHash);
            long headerLength = MAGIC.length + 4L + 4L + keyLength + 8L + SHA256_BYTES;
            if (planLength < 0 || planLength > Integer.MAX_VALUE - 16) {
                return new Inspection(null, "its header is damaged (plan length " + planLength + ")");
            }
            if (size != headerLength + planLength) {
                return new Inspection(null, size < headerLength + planLength
                        ? "it is truncated: the header announces " + planLength + " plan bytes, the file holds "
                                + (size - headerLength)
                        : "it has " + (size - headerLength - planLength) + " bytes after the " + planLength
                                + "-byte plan");
            }
            byte[] plan = in.readNBytes((int) planLength);
            if (plan.length != planLength) {
                return new Inspection(null, "it is truncated: " + plan.length + " of " + planLength + " plan bytes");
            }
            byte[] actualHash = PlanKey.sha256().digest(plan);
            if (!MessageDigest.isEqual(expectedHash, actualHash)) {
                return new Inspection(null, "its plan bytes do not match their SHA-256 (expected "
                        + HexFormat.of().formatHex(expectedHash) + ", found " + HexFormat.of().formatHex(actualHash)
                        + "): the file is corrupt");
            }
            return new Inspection(plan, null);
        } catch (EOFException e) {
            return new Inspection(null, "it is truncated inside its header");
        } catch (IOException e) {
            return new Inspection(null, "it could not be read (" + e + ")");
        }
    }
}
