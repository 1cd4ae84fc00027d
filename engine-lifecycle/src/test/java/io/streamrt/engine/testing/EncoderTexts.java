package io.streamrt.engine.testing;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import io.streamrt.engine.EncoderBatch;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Sentences on unrelated everyday subjects, and the tokenizer that turns them into an engine's batch, for tests
 * that compare one engine's embeddings with another's.
 *
 * <pre>{@code
 * HuggingFaceTokenizer tokenizer = EncoderTexts.tokenizer(files.tokenizer(), 128);
 * EncoderBatch batch = EncoderTexts.batch(tokenizer, EncoderTexts.everydayAnd("Hi."));
 * }</pre>
 */
public final class EncoderTexts {

    private static final List<String> EVERYDAY = List.of(
            "The cat sat quietly on the warm windowsill.",
            "Interest rates were raised by a quarter point to fight inflation.",
            "She scored the winning goal in the final minute of the match.",
            "Photosynthesis converts sunlight, water and carbon dioxide into sugar.",
            "Please restart the server after installing the security patch.",
            "The recipe calls for two cups of flour and a pinch of salt.",
            "Heavy rain is expected across the northern region tomorrow.",
            "He finally finished reading the novel after three long months.",
            "The museum opens at nine and closes at five on weekdays.",
            "Quantum computers use qubits that can exist in superposition.",
            "Our flight to Lisbon was delayed by two hours because of fog.",
            "Regular exercise lowers the risk of heart disease.",
            "The committee postponed its vote until next Tuesday.",
            "Kafka topics are split into partitions for parallelism.",
            "My grandmother grows tomatoes and basil in her small garden.",
            "The violinist played a haunting melody that silenced the hall.",
            "Stock markets fell sharply after the disappointing earnings report.",
            "Children learn languages faster than most adults do.");

    private EncoderTexts() {}

    /** The eighteen everyday sentences followed by {@code more}. */
    public static List<String> everydayAnd(String... more) {
        List<String> texts = new ArrayList<>(EVERYDAY);
        texts.addAll(List.of(more));
        return List.copyOf(texts);
    }

    /** A tokenizer that adds [CLS] and [SEP] and truncates to {@code maxSequence}; padding is the batch's. */
    public static HuggingFaceTokenizer tokenizer(Path tokenizerJson, int maxSequence) throws IOException {
        return HuggingFaceTokenizer.newInstance(tokenizerJson, Map.of("padding", "false", "truncation", "true",
                "maxLength", String.valueOf(maxSequence), "addSpecialTokens", "true"));
    }

    /** {@code texts} tokenized, one row each, padded to the longest. */
    public static EncoderBatch batch(HuggingFaceTokenizer tokenizer, List<String> texts) {
        List<long[]> rows = new ArrayList<>();
        texts.forEach(t -> rows.add(tokenizer.encode(t).getIds()));
        return EncoderBatch.pad(rows);
    }
}
