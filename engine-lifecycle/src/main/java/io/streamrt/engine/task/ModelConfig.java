package io.streamrt.engine.task;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamrt.engine.ModelFiles;
import io.streamrt.engine.ModelRejectedException;
import io.streamrt.engine.Setting;
import io.streamrt.engine.SettingText;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a Hugging Face export directory says about its model: {@code config.json} ({@code architectures},
 * {@code id2label}, {@code problem_type}, {@code model_type}), sentence-transformers' {@code modules.json} (a
 * Normalize step) and {@code 1_Pooling/config.json} (the pooling). Every file is optional; what was found is listed
 * in {@link #files()}. A builtin model has none: StreamRT knows it (mean pooling, normalized).
 *
 * <pre>{@code
 * ModelConfig config = ModelConfig.read(ModelFiles.resolve("/models/bge-small-en-v1.5", null));
 * config.pooling();   // Optional[CLS]
 * }</pre>
 *
 * @param architectures {@code config.json}'s architectures, e.g. {@code [BertForSequenceClassification]}
 * @param modelType {@code config.json}'s model_type, e.g. {@code bert}; empty when absent
 * @param labels {@code id2label} in id order; empty when absent
 * @param problemType {@code problem_type}: {@code single_label_classification}, {@code multi_label_classification},
 *     {@code regression}; empty when absent
 * @param pooling the pooling {@code 1_Pooling/config.json} declares; null when there is none
 * @param normalize whether {@code modules.json} has a Normalize step (true for the builtins)
 * @param files the config files read, relative to the model's folder
 */
public record ModelConfig(List<String> architectures, String modelType, List<String> labels, String problemType,
        Pooling pooling, boolean normalize, List<String> files) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** {@code 1_Pooling/config.json}'s keys, by the pooling each turns on. */
    private static final Map<String, Pooling> POOLING_KEYS = Map.of(
            "pooling_mode_cls_token", Pooling.CLS,
            "pooling_mode_mean_tokens", Pooling.MEAN,
            "pooling_mode_max_tokens", Pooling.MAX,
            "pooling_mode_mean_sqrt_len_tokens", Pooling.MEAN_SQRT_LEN,
            "pooling_mode_lasttoken", Pooling.LAST_TOKEN);

    public ModelConfig {
        architectures = List.copyOf(architectures);
        labels = List.copyOf(labels);
        files = List.copyOf(files);
    }

    /** The builtins: sentence encoders with mean pooling and normalization, as today. */
    public static ModelConfig builtin() {
        return new ModelConfig(List.of(), "", List.of(), "", Pooling.MEAN, true, List.of());
    }

    /**
     * Reads the config files beside a model.
     *
     * @throws ModelRejectedException for a file that is not valid JSON, an {@code id2label} with gaps, or a pooling
     *     StreamRT does not know, naming the file, what was expected and what was found
     */
    public static ModelConfig read(ModelFiles model) {
        if (model.builtin()) {
            return builtin();
        }
        Path root = model.root();
        List<String> files = new ArrayList<>();
        List<String> architectures = new ArrayList<>();
        String modelType = "";
        List<String> labels = new ArrayList<>();
        String problemType = "";
        JsonNode config = json(root, "config.json", files);
        if (config != null) {
            config.path("architectures").forEach(a -> architectures.add(a.asText()));
            modelType = config.path("model_type").asText("");
            problemType = config.path("problem_type").asText("");
            labels = labels(root.resolve("config.json"), config.path("id2label"));
        }
        boolean normalize = false;
        Path poolingFolder = root.resolve("1_Pooling");
        JsonNode modules = json(root, "modules.json", files);
        if (modules != null) {
            for (JsonNode module : modules) {
                String type = module.path("type").asText("");
                if (type.endsWith(".Normalize")) {
                    normalize = true;
                }
                if (type.endsWith(".Pooling") && !module.path("path").asText("").isEmpty()) {
                    poolingFolder = root.resolve(module.path("path").asText());
                }
            }
        }
        Pooling pooling = null;
        JsonNode poolingConfig = json(poolingFolder, "config.json", null);
        if (poolingConfig != null) {
            files.add(root.relativize(poolingFolder.resolve("config.json")).toString());
            pooling = pooling(poolingFolder.resolve("config.json"), poolingConfig);
        }
        return new ModelConfig(architectures, modelType, labels, problemType, pooling, normalize, files);
    }

    /** The file's JSON, or null when it does not exist; its name joins {@code found} when it does. */
    private static JsonNode json(Path folder, String name, List<String> found) {
        Path file = folder.resolve(name);
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            JsonNode node = JSON.readTree(file.toFile());
            if (found != null) {
                found.add(name);
            }
            return node;
        } catch (IOException e) {
            throw new ModelRejectedException("model config " + file + " is not valid JSON (" + e.getMessage()
                    + "); fix or remove it");
        }
    }

    private static List<String> labels(Path file, JsonNode id2label) {
        if (!id2label.isObject() || id2label.isEmpty()) {
            return List.of();
        }
        Map<Integer, String> byId = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = id2label.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            try {
                byId.put(Integer.parseInt(entry.getKey().trim()), entry.getValue().asText());
            } catch (NumberFormatException e) {
                throw new ModelRejectedException("model config " + file + " has an id2label key '" + entry.getKey()
                        + "' that is not a label id: expected \"0\", \"1\", ...");
            }
        }
        List<String> labels = new ArrayList<>(byId.values());
        List<Integer> ids = new ArrayList<>(byId.keySet());
        for (int i = 0; i < ids.size(); i++) {
            if (ids.get(i) != i) {
                throw new ModelRejectedException("model config " + file + " has id2label ids " + ids
                        + ": expected 0.." + (ids.size() - 1) + " without gaps");
            }
        }
        return labels;
    }

    private static Pooling pooling(Path file, JsonNode config) {
        List<Pooling> on = new ArrayList<>();
        List<String> unknown = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = config.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            if (!entry.getKey().startsWith("pooling_mode_") || !entry.getValue().asBoolean(false)) {
                continue;
            }
            Pooling pooling = POOLING_KEYS.get(entry.getKey());
            if (pooling == null) {
                unknown.add(entry.getKey());
            } else {
                on.add(pooling);
            }
        }
        if (!unknown.isEmpty()) {
            throw new ModelRejectedException(SettingText.of("model pooling config " + file + " turns on " + unknown
                    + ", a pooling StreamRT does not know: expected one of " + POOLING_KEYS.keySet()
                    + "; choose one with ").name(Setting.POOLING).then(" (" + Pooling.ids() + ")"));
        }
        if (on.size() != 1) {
            throw new ModelRejectedException(SettingText.of("model pooling config " + file + " turns on " + on.size()
                    + " poolings " + on + ": expected exactly one (concatenated poolings are not supported); choose "
                    + "one with ").name(Setting.POOLING).then(" (" + Pooling.ids() + ")"));
        }
        return on.get(0);
    }
}
