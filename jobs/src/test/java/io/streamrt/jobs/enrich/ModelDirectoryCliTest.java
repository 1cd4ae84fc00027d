package io.streamrt.jobs.enrich;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamrt.engine.ModelFiles;
import io.streamrt.jobs.testing.Cli;
import io.streamrt.jobs.testing.OwnModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model directory or output choice that cannot work exits with status 2 before anything is submitted, naming the
 * file, what was expected and what was found (no broker is needed: the model is checked first).
 */
class ModelDirectoryCliTest {

    private static final String[] REQUIRED = {"--bootstrap-servers", "127.0.0.1:9", "--input-topic", "in",
            "--output-topic", "out", "--dead-letter-topic", "dlq"};

    @TempDir
    Path dir;

    private String err;

    private int enrich(String... extra) {
        String[] args = new String[1 + REQUIRED.length + extra.length];
        args[0] = "enrich";
        System.arraycopy(REQUIRED, 0, args, 1, REQUIRED.length);
        System.arraycopy(extra, 0, args, 1 + REQUIRED.length, extra.length);
        Cli.Run run = Cli.run(args);
        err = run.err();
        return run.exit();
    }

    private String err() {
        return err;
    }

    /** The INT8 MiniLM as an export directory with the given config.json. */
    private Path export(String name, String config) throws IOException {
        Path export = dir.resolve(name);
        Files.createDirectories(export);
        ModelFiles builtin = ModelFiles.resolve(ModelFiles.BUILTIN_MINILM_INT8, null);
        Files.copy(builtin.onnx(), export.resolve("model.onnx"));
        Files.copy(builtin.tokenizer(), export.resolve("tokenizer.json"));
        if (config != null) {
            Files.writeString(export.resolve("config.json"), config);
        }
        return export;
    }

    @Test
    void aDirectoryWithoutAnOnnxFileOrTokenizerIsNamedWithWhatWasLookedFor() throws IOException {
        Path empty = Files.createDirectories(dir.resolve("empty-export"));
        Files.writeString(empty.resolve("model_quantized.onnx"), "not used unless named");
        assertThat(enrich("--model", empty.toString())).isEqualTo(2);
        assertThat(err()).contains("model directory '" + empty + "' has no ONNX model: looked for model.onnx and "
                + "onnx/model.onnx").contains("model_quantized.onnx");

        Path noTokenizer = export("no-tokenizer", null);
        Files.delete(noTokenizer.resolve("tokenizer.json"));
        assertThat(enrich("--model", noTokenizer.toString())).isEqualTo(2);
        assertThat(err()).contains("no tokenizer given for model").contains(noTokenizer.resolve("tokenizer.json")
                .toString());
    }

    @Test
    void aDecoderOrSeq2SeqArchitectureIsRefusedByName() throws IOException {
        Path gpt = export("gpt", "{\"architectures\": [\"GPT2LMHeadModel\"], \"model_type\": \"gpt2\"}");
        assertThat(enrich("--model", gpt.toString())).isEqualTo(2);
        assertThat(err()).contains("is a GPT2LMHeadModel").contains("expected a *Model, *ForSequenceClassification "
                + "or *ForTokenClassification architecture");

        Path t5 = export("t5", "{\"architectures\": [\"T5ForConditionalGeneration\"]}");
        assertThat(enrich("--model", t5.toString())).isEqualTo(2);
        assertThat(err()).contains("is a T5ForConditionalGeneration");
    }

    @Test
    void labelsThatDoNotMatchTheLogitsAndUnknownPoolingsAreRefused() throws IOException {
        float[][] weights = new float[384][3];
        Path classifier = OwnModels.classifier(dir.resolve("classifier"), List.of("a", "b", "c"), weights,
                new float[3]);
        Files.writeString(classifier.resolve("config.json"), "{\"architectures\": [\"BertForSequenceClassification\"],"
                + " \"id2label\": {\"0\": \"a\", \"1\": \"b\", \"2\": \"c\", \"3\": \"d\", \"4\": \"e\"}}");
        assertThat(enrich("--model", classifier.toString())).isEqualTo(2);
        assertThat(err()).contains("has 5 labels in config.json's id2label [a, b, c, d, e] but its logits have 3");

        Path weighted = export("weighted", "{\"architectures\": [\"BertModel\"]}");
        Files.createDirectories(weighted.resolve("1_Pooling"));
        Files.writeString(weighted.resolve("1_Pooling/config.json"),
                "{\"word_embedding_dimension\": 384, \"pooling_mode_weightedmean_tokens\": true}");
        assertThat(enrich("--model", weighted.toString())).isEqualTo(2);
        assertThat(err()).contains(weighted.resolve("1_Pooling/config.json").toString())
                .contains("pooling_mode_weightedmean_tokens")
                .contains("choose one with --pooling (cls, mean, max, mean-sqrt-len, last-token)");
        assertThat(enrich("--model", weighted.toString(), "--pooling", "weighted")).isEqualTo(2);
        assertThat(err()).contains("'--pooling'").contains("weighted");
    }

    @Test
    void zeroShotLabelsOnAClassifierAreRefusedWithTheFlagsThatFixIt() throws IOException {
        Path classifier = OwnModels.classifier(dir.resolve("classifier"), List.of("a", "b", "c"),
                new float[384][3], new float[3]);
        assertThat(enrich("--model", classifier.toString(), "--labels", "x,y")).isEqualTo(2);
        assertThat(err()).contains("zero-shot labels (--labels) work on embeddings, but model '" + classifier
                + "' is used for classification (").contains("drop the labels, or pass --task embedding");
    }

    @Test
    void outputFieldsAndEncodingsAreCheckedAgainstTheFlagsAndTheModelsTask() {
        assertThat(enrich("--output-fields", "label,embeddings")).isEqualTo(2);
        assertThat(err()).contains("'--output-fields': unknown output field 'embeddings': expected some of model, "
                + "engine, embedding, label, score, scores, entities, batch_size, queue_ms, infer_ms");

        assertThat(enrich("--embedding-encoding", "base64")).isEqualTo(2);
        assertThat(err()).contains("'--embedding-encoding': unknown embedding encoding 'base64': expected one of "
                + "json, base64-f32, base64-f16");

        assertThat(enrich("--output-fields", "embedding,entities")).isEqualTo(2);
        assertThat(err()).contains("--output-fields: output fields [entities] are not given by the embedding task");

        assertThat(enrich("--output-fields", "label,score")).as("label and score need --labels").isEqualTo(2);
        assertThat(err()).contains("with zero-shot labels, --labels");
    }
}
