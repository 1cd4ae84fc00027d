import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * Makes the GPU acceptance run's classpath small enough to ship: leaves out the jars it never loads and copies each
 * jar that carries native libraries for several platforms without the ones a linux-x86_64 GPU host cannot load.
 * Every part shipped costs device time, and the ONNX Runtime, tokenizer and compression jars carry macOS, Windows
 * and Arm libraries (ONNX Runtime's macOS debug symbols alone are 71 MB).
 *
 * <pre>
 * java jobs/gpu/ThinClasspath.java OUT_DIR CLASSPATH [LEAVE_OUT_REGEX]   # prints the new classpath
 * </pre>
 */
public final class ThinClasspath {

    /** A native library, or a bundle of its debug data. */
    static final Pattern NATIVE = Pattern.compile("\\.(so(\\.[0-9.]+)?|dll|dylib|jnilib|a)$|\\.dSYM/");
    /**
     * A platform other than linux-x86_64, as a whole word of a native library's path or name (jars spell them
     * {@code linux-aarch64/}, {@code darwin/}, {@code win32-x86-64/}, {@code Linux/x86/}, {@code _aarch_64.so}).
     */
    static final Pattern OTHER_PLATFORM = Pattern.compile("(?i)(^|[^a-z0-9])(aarch_?64|arm[a-z0-9]*|riscv[a-z0-9]*"
            + "|ppc[a-z0-9]*|s390[a-z0-9]*|i[36]86|x86(?![-_]?64)|loongarch[a-z0-9]*|mips[a-z0-9]*|osx|darwin|mac"
            + "|macos|win[a-z0-9]*|freebsd|openbsd|dragonflybsd|sunos|aix)([^a-z0-9]|$)|\\.(dll|dylib|jnilib)$"
            + "|\\.dSYM/");

    /** Whether the entry is a native library that a linux-x86_64 host cannot load. */
    static boolean otherPlatform(String entry) {
        return NATIVE.matcher(entry).find() && OTHER_PLATFORM.matcher(entry).find();
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: ThinClasspath OUT_DIR CLASSPATH [LEAVE_OUT_REGEX]");
            System.exit(2);
        }
        Path out = Files.createDirectories(Path.of(args[0]));
        Pattern leaveOut = args.length > 2 ? Pattern.compile(args[2]) : null;
        List<String> kept = new ArrayList<>();
        long before = 0;
        long after = 0;
        for (String element : args[1].split(":")) {
            Path path = Path.of(element);
            if (element.isEmpty() || !Files.exists(path)) {
                continue;
            }
            if (Files.isDirectory(path) || !element.endsWith(".jar")) {
                kept.add(element);
                continue;
            }
            long size = Files.size(path);
            before += size;
            if (leaveOut != null && leaveOut.matcher(path.getFileName().toString()).find()) {
                System.err.println("left out " + path.getFileName() + " (" + size / 1_000_000 + " MB)");
                continue;
            }
            Path thin = thin(path, out);
            after += Files.size(thin);
            kept.add(thin.toString());
        }
        System.err.printf("jars: %d MB -> %d MB%n", before / 1_000_000, after / 1_000_000);
        System.out.println(String.join(":", kept));
    }

    /** The jar itself when it has nothing for another platform, else a copy without those entries. */
    static Path thin(Path jar, Path out) throws IOException {
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            if (zip.stream().noneMatch(e -> otherPlatform(e.getName()))) {
                return jar;
            }
            Path copy = out.resolve(jar.getFileName());
            long dropped = 0;
            try (ZipOutputStream target = new ZipOutputStream(Files.newOutputStream(copy))) {
                Enumeration<? extends ZipEntry> entries = zip.entries();
                while (entries.hasMoreElements()) {
                    ZipEntry entry = entries.nextElement();
                    if (otherPlatform(entry.getName())) {
                        dropped += entry.getSize();
                        continue;
                    }
                    target.putNextEntry(new ZipEntry(entry.getName()));
                    try (InputStream in = zip.getInputStream(entry)) {
                        in.transferTo(target);
                    }
                    target.closeEntry();
                }
            }
            System.err.println("thinned " + jar.getFileName() + ": " + dropped / 1_000_000 + " MB of other platforms");
            return copy;
        }
    }

    private ThinClasspath() {
    }
}
