package io.streamrt.jobs.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamrt.serde.EmbeddingEncoding;
import io.streamrt.serde.OutputFields;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * What the output's encoding costs: the adaptive job's maximum throughput and the size of its records with the
 * embedding as JSON numbers, base64 float32, base64 float16, and left out, measured one after the other in one run
 * on the same input.
 *
 * <pre>{@code
 * EncodingBench.Report report = EncodingBench.run(pipeline, List.of("json", "base64-f16"), v -> {}, p -> {});
 * System.out.println(report.markdown());
 * }</pre>
 */
final class EncodingBench {

    /** The variant that writes no embedding: what a user of {@code --output-fields} without it gets. */
    static final String NO_EMBEDDING = "no-embedding";

    /** Every variant, in the order they run. */
    static final List<String> VARIANTS = List.of(EmbeddingEncoding.JSON.id(), EmbeddingEncoding.BASE64_F32.id(),
            EmbeddingEncoding.BASE64_F16.id(), NO_EMBEDDING);

    private EncodingBench() {}

    /**
     * One variant's run.
     *
     * @param variant an embedding encoding's name, or {@value #NO_EMBEDDING}
     * @param bytesPerRecord mean size of an enriched record's value
     * @param recordsPerS the adaptive job's maximum throughput
     */
    record Point(String variant, double bytesPerRecord, double recordsPerS) {}

    /**
     * @param bytesPerInput mean size of an input record's value
     * @param points one per variant, in run order
     */
    record Report(double bytesPerInput, List<Point> points) {

        /** A Markdown table: bytes per record (and per input byte), throughput, both relative to json. */
        String markdown() {
            Point json = points.stream().filter(p -> p.variant().equals(EmbeddingEncoding.JSON.id())).findFirst()
                    .orElse(points.get(0));
            StringBuilder md = new StringBuilder(String.format(Locale.ROOT, "Output encodings (adaptive, maximum "
                    + "throughput; input records %.0f bytes on average):%n%n", bytesPerInput));
            md.append("| embedding | bytes per output record | x input | records/s | vs ").append(json.variant())
                    .append(" |\n|---|---:|---:|---:|---:|\n");
            for (Point p : points) {
                md.append(String.format(Locale.ROOT, "| %s | %,.0f | %.1f | %.1f | %.2fx |%n", p.variant(),
                        p.bytesPerRecord(), p.bytesPerRecord() / bytesPerInput, p.recordsPerS(),
                        p.recordsPerS() / json.recordsPerS()));
            }
            return md.toString();
        }

        /** {@code {"input_bytes_per_record", "encodings": [{"embedding", "bytes_per_record", "records_per_s"}]}}. */
        void write(Path file, String date, String machine, String model) throws IOException {
            ObjectNode root = BenchJson.root(date, machine, model);
            root.put("input_bytes_per_record", bytesPerInput);
            ArrayNode array = root.putArray("encodings");
            for (Point p : points) {
                array.addObject().put("embedding", p.variant()).put("bytes_per_record", p.bytesPerRecord())
                        .put("records_per_s", p.recordsPerS());
            }
            BenchJson.write(file, root);
        }
    }

    /** The output settings of a variant. */
    static OutputFields output(String variant) {
        if (NO_EMBEDDING.equals(variant)) {
            return OutputFields.parse("model,engine,batch_size,queue_ms,infer_ms", EmbeddingEncoding.JSON);
        }
        return OutputFields.parse(null, EmbeddingEncoding.parse(variant));
    }

    /** Runs the adaptive maximum-throughput measurement once per variant; tells before and after each. */
    static Report run(PipelineBench pipeline, List<String> variants, Consumer<String> starting,
            Consumer<Point> finished) throws Exception {
        List<Point> points = new ArrayList<>();
        for (String variant : variants) {
            starting.accept(variant);
            PipelineBench.MaxResult max = pipeline.withOutput(output(variant)).maxThroughput(BenchScenario.ADAPTIVE);
            Point point = new Point(variant, max.bytesPerOutput(), max.recordsPerS());
            finished.accept(point);
            points.add(point);
        }
        return new Report(pipeline.bytesPerInput(), points);
    }
}
