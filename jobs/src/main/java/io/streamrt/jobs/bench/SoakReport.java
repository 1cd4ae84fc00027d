package io.streamrt.jobs.bench;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;
import javax.imageio.ImageIO;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * The figures of a soak run as JSON, a chart, and the growth verdict: the live heap (after a full GC) and resident
 * memory from the first two minutes after the warm-up (the first quarter of the run) to the last two minutes,
 * medians of the samples there. Target: both flat within 5%. The heap after the latest (young) collection is kept
 * too, but it is not the verdict: it carries old-generation garbage that G1 collects in its own time. A JSON field
 * is named after its component in snake_case unless {@code @JsonProperty} names it.
 *
 * <pre>{@code
 * SoakReport report = SoakReport.of(meta, soak);
 * report.write(Path.of("soak-results.json"), Path.of("soak-results.png"));
 * }</pre>
 *
 * @param date when the run started
 * @param machine {@code <os.arch>, <cores> cores, <cpu model>}
 * @param model the model's name
 * @param engine the backend
 * @param offeredPerS the soak's rate
 * @param minutes the paced window
 * @param warmUpSeconds samples before this are left out of the growth
 * @param sent records sent
 * @param received outputs read back
 * @param deadLetters dead letters
 * @param heapGrowthPct live heap (after a full GC), last two minutes against the first two after the warm-up
 * @param rssGrowthPct resident memory, the same way
 * @param p99FirstMs median p99 of the first two minutes after the warm-up
 * @param p99LastMs median p99 of the last two minutes
 * @param samples every sample
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonPropertyOrder({"date", "machine", "model", "engine", "offered_per_s", "minutes", "warm_up_s", "sent", "received",
        "dead_letters", "heap_growth_pct", "rss_growth_pct", "p99_first_ms", "p99_last_ms", "samples"})
record SoakReport(String date, String machine, String model, String engine, double offeredPerS, double minutes,
        @JsonProperty("warm_up_s") double warmUpSeconds, long sent, long received, long deadLetters,
        double heapGrowthPct, double rssGrowthPct, double p99FirstMs, double p99LastMs, List<Point> samples) {

    /** Growth within this share counts as flat. */
    static final double FLAT_PCT = 5.0;

    /** Seconds at each end of the run whose samples are compared. */
    private static final double COMPARED_S = 120;

    /** One sample, as {@link SoakBench.Sample}. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonPropertyOrder({"t_s", "heap_after_gc_mb", "live_heap_mb", "rss_mb", "scheduler_queued", "in_pipeline",
            "received", "p99_ms"})
    record Point(@JsonProperty("t_s") double seconds, double heapAfterGcMb, double liveHeapMb, double rssMb,
            int schedulerQueued, long inPipeline, int received, double p99Ms) {}

    /** Who ran what, where. */
    record Meta(String date, String machine, String model, String engine, double minutes) {}

    static SoakReport of(Meta meta, SoakBench.Result soak) {
        List<Point> points = soak.samples().stream().map(s -> new Point(round(s.seconds()), round(s.heapAfterGcMb()),
                round(s.liveHeapMb()), round(s.rssMb()), s.schedulerQueued(), s.inPipeline(), s.received(),
                round(s.p99Ms()))).toList();
        double total = meta.minutes() * 60;
        double warmUp = total / 4;
        List<Point> first = points.stream().filter(p -> p.seconds() > warmUp && p.seconds() <= warmUp + COMPARED_S)
                .toList();
        List<Point> last = points.stream().filter(p -> p.seconds() > total - COMPARED_S).toList();
        return new SoakReport(meta.date(), meta.machine(), meta.model(), meta.engine(), soak.offeredPerS(),
                meta.minutes(), warmUp, soak.sent(), soak.received(), soak.deadLetters(),
                round(growthPct(first, last, Point::liveHeapMb)), round(growthPct(first, last, Point::rssMb)),
                round(median(first, Point::p99Ms)), round(median(last, Point::p99Ms)), points);
    }

    static double growthPct(List<Point> first, List<Point> last, ToDoubleFunction<Point> value) {
        double base = median(first, value);
        return base <= 0 ? Double.NaN : 100 * (median(last, value) - base) / base;
    }

    /** The median of the known values (negative ones are samples without that measure). */
    static double median(List<Point> points, ToDoubleFunction<Point> value) {
        double[] values = points.stream().mapToDouble(value).filter(v -> v >= 0).sorted().toArray();
        if (values.length == 0) {
            return Double.NaN;
        }
        return values.length % 2 == 1 ? values[values.length / 2]
                : (values[values.length / 2 - 1] + values[values.length / 2]) / 2;
    }

    private static double round(double value) {
        return Math.round(value * 10) / 10.0;
    }

    /** One line per measure and its verdict, for the console and docs/benchmarks.md. */
    String summary() {
        return String.format(Locale.ROOT, "Soak %.0f min at %.1f records/s (%d sent, %d back, %d dead letters): live "
                        + "heap %+.1f%%, RSS %+.1f%% from minutes %.0f-%.0f to the last two (target: within "
                        + "%.0f%%: %s); p99 %.0f ms then %.0f ms", minutes, offeredPerS, sent, received, deadLetters,
                heapGrowthPct, rssGrowthPct, warmUpSeconds / 60, (warmUpSeconds + COMPARED_S) / 60, FLAT_PCT,
                Math.abs(heapGrowthPct) <= FLAT_PCT && Math.abs(rssGrowthPct) <= FLAT_PCT ? "PASS" : "MISS",
                p99FirstMs, p99LastMs);
    }

    void write(Path json, Path png) throws IOException {
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), this);
        System.setProperty("java.awt.headless", "true");
        JFreeChart memory = chart("Memory over time (" + engine + ", " + model + ")", "MB",
                series("heap after the latest GC", Point::heapAfterGcMb),
                series("live heap (after a full GC)", Point::liveHeapMb), series("resident set (RSS)", Point::rssMb));
        JFreeChart latency = chart(String.format(Locale.ROOT, "p99 end to end and scheduler queue, %.0f records/s",
                offeredPerS), "ms / requests", series("p99 latency (ms)", Point::p99Ms),
                series("scheduler queue (requests)", p -> p.schedulerQueued()));
        memory.getXYPlot().addDomainMarker(new ValueMarker(warmUpSeconds));
        latency.getXYPlot().addDomainMarker(new ValueMarker(warmUpSeconds));
        int width = 960;
        int height = 420;
        BufferedImage image = new BufferedImage(width, 2 * height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, 2 * height);
            memory.draw(g, new Rectangle2D.Double(0, 0, width, height));
            latency.draw(g, new Rectangle2D.Double(0, height, width, height));
        } finally {
            g.dispose();
        }
        if (!ImageIO.write(image, "png", png.toFile())) {
            throw new IOException("no PNG writer for " + png);
        }
    }

    private XYSeries series(String name, ToDoubleFunction<Point> value) {
        XYSeries series = new XYSeries(name);
        samples.stream().filter(p -> value.applyAsDouble(p) >= 0)
                .forEach(p -> series.add(p.seconds(), value.applyAsDouble(p)));
        return series;
    }

    private static JFreeChart chart(String title, String axis, XYSeries... series) {
        XYSeriesCollection data = new XYSeriesCollection();
        Arrays.stream(series).forEach(data::addSeries);
        return ChartFactory.createXYLineChart(title, "seconds (the line marks the end of the warm-up)", axis, data,
                PlotOrientation.VERTICAL, true, false, false);
    }
}
