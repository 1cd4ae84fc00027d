package io.streamrt.jobs.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamrt.engine.ModelFiles;
import io.streamrt.jobs.demo.DemoTexts;
import io.streamrt.jobs.enrich.EnrichConfig;
import io.streamrt.operators.InferenceOptions;
import io.streamrt.serde.TextChunker;
import io.streamrt.serde.TextWindows;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * Long texts read whole against cut: the same documents through the adaptive job with {@code --long-text chunk} (each
 * document a record, its windows rows of the scheduler), and, at the same token volume, each of those windows' texts as
 * a record of its own with {@code truncate}. Each at its maximum throughput, then offered 60% of it for the latency.
 *
 * <pre>{@code
 * LongTextBench.Report report = LongTextBench.run(pipeline, template, documents, what -> {}, point -> {});
 * }</pre>
 */
final class LongTextBench {

    /** The share of a mode's maximum offered in its open-loop run. */
    static final double LOAD = 0.6;

    private LongTextBench() {}

    /**
     * One mode's runs.
     *
     * @param mode {@code chunk} (documents) or {@code truncate} (their windows as records)
     * @param inputs records sent per run
     */
    record Point(String mode, int inputs, PipelineBench.MaxResult max, PipelineBench.OpenLoopResult open) {

        /** Rows the engine ran per second at the maximum: windows for chunk, records for truncate. */
        double rowsPerS() {
            return max.batches().records() / max.spanSeconds();
        }

        /** Tokens the engine ran per second at the maximum, padding aside. */
        double tokensPerS() {
            return max.batches().realTokens() / max.spanSeconds();
        }
    }

    /** @param points chunk first, then truncate */
    record Report(List<Point> points) {

        String markdown() {
            double truncate = points.get(1).tokensPerS();
            StringBuilder md = new StringBuilder("Long texts (adaptive, the same documents: chunk reads each whole in "
                    + "windows; truncate gets each window's text as a record of its own, the same tokens):\n\n"
                    + "| mode | records | records/s | rows/s | tokens/s | vs truncate | mean batch | p99 ms at "
                    + Math.round(LOAD * 100) + "% |\n|---|---:|---:|---:|---:|---:|---:|---:|\n");
            for (Point p : points) {
                md.append(String.format(Locale.ROOT, "| %s | %d | %.1f | %.1f | %.0f | %.2fx | %.1f | %.0f |%n",
                        p.mode(), p.inputs(), p.max().recordsPerS(), p.rowsPerS(), p.tokensPerS(),
                        p.tokensPerS() / truncate, p.max().batches().meanBatchSize(), p.open().p99Ms()));
            }
            return md.toString();
        }

        /** {@code {"modes": [{"mode", "records", "records_per_s", "rows_per_s", "tokens_per_s", ...}]}}. */
        void write(Path file, String date, String machine, String model) throws IOException {
            ObjectNode root = BenchJson.root(date, machine, model);
            ArrayNode array = root.putArray("modes");
            for (Point p : points) {
                array.addObject().put("mode", p.mode()).put("records", p.inputs())
                        .put("records_per_s", p.max().recordsPerS()).put("rows_per_s", p.rowsPerS())
                        .put("tokens_per_s", p.tokensPerS()).put("mean_batch_size", p.max().batches().meanBatchSize())
                        .put("p99_ms", p.open().p99Ms()).put("p99_load", LOAD);
            }
            BenchJson.write(file, root);
        }
    }

    /**
     * Runs chunk on {@code documents}, then truncate on their windows' texts; tells before and after each.
     *
     * @param template the adaptive job's settings; its long-text options are set here
     */
    static Report run(PipelineBench pipeline, EnrichConfig template, List<DemoTexts.DemoText> documents,
            Consumer<String> starting, Consumer<Point> finished) throws Exception {
        EnrichConfig chunk = template.toBuilder().set(InferenceOptions.LONG_TEXT, "chunk").build();
        EnrichConfig truncate = template.toBuilder().set(InferenceOptions.LONG_TEXT, "truncate").build();
        List<byte[]> whole = documents.stream().map(d -> DemoTexts.toJson(d, "text", "id")).toList();
        List<byte[]> windows = windowTexts(template, documents);
        List<Point> points = new ArrayList<>();
        points.add(measure("chunk", pipeline.with(chunk, whole), whole.size(), starting, finished));
        points.add(measure("truncate", pipeline.with(truncate, windows), windows.size(), starting, finished));
        return new Report(points);
    }

    private static Point measure(String mode, PipelineBench pipeline, int inputs, Consumer<String> starting,
            Consumer<Point> finished) throws Exception {
        starting.accept(mode + ": " + inputs + " records, max throughput and " + Math.round(LOAD * 100) + "% of it");
        PipelineBench.MaxResult max = pipeline.maxThroughput(BenchScenario.ADAPTIVE);
        Point point = new Point(mode, inputs, max,
                pipeline.openLoop(BenchScenario.ADAPTIVE, LOAD, LOAD * max.recordsPerS()));
        finished.accept(point);
        return point;
    }

    /** Each document's windows, as the chunk job cuts them, each the text of a record of its own. */
    private static List<byte[]> windowTexts(EnrichConfig template, List<DemoTexts.DemoText> documents) {
        Path tokenizer = ModelFiles.resolve(template.model(), template.tokenizer()).tokenizer();
        List<byte[]> values = new ArrayList<>();
        try (TextChunker chunker = TextChunker.open(tokenizer, template.maxSequenceLength(),
                InferenceOptions.CHUNK_OVERLAP_TOKENS.defaultValue(), InferenceOptions.MAX_CHUNKS.defaultValue())) {
            for (DemoTexts.DemoText document : documents) {
                String text = document.text();
                for (TextWindows.Window window : chunker.windows("", text).windows()) {
                    String piece = text.substring(text.offsetByCodePoints(0, window.start()),
                            text.offsetByCodePoints(0, window.end()));
                    values.add(DemoTexts.toJson(new DemoTexts.DemoText(document.id() + "#" + window.index(),
                            document.topic(), piece), "text", "id"));
                }
            }
        }
        return values;
    }
}
