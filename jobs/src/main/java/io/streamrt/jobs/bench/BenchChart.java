package io.streamrt.jobs.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import javax.imageio.ImageIO;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogarithmicAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * Draws the benchmark's chart: one PNG, two panels side by side. Left, p99 end-to-end latency against achieved
 * throughput, one line per scenario (one labelled point per offered load), with the latency target marked; right, the
 * engine alone's throughput by batch size. Headless: no display is needed.
 *
 * <pre>{@code
 * BenchChart.write(results, Path.of("bench-results.png"));
 * }</pre>
 */
final class BenchChart {

    private static final int PANEL_WIDTH = 720;
    private static final int HEIGHT = 520;

    private BenchChart() {}

    static void write(BenchResults results, Path png) throws IOException {
        System.setProperty("java.awt.headless", "true");
        sideBySide(png, PANEL_WIDTH, HEIGHT, latencyChart(results), engineChart(results));
    }

    /** Charts drawn side by side into one PNG, each {@code width} x {@code height}. */
    static void sideBySide(Path png, int width, int height, JFreeChart... panels) throws IOException {
        System.setProperty("java.awt.headless", "true");
        BufferedImage image = new BufferedImage(panels.length * width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, image.getWidth(), image.getHeight());
            for (int i = 0; i < panels.length; i++) {
                panels[i].draw(g, new Rectangle2D.Double(i * width, 0, width, height));
            }
        } finally {
            g.dispose();
        }
        if (!ImageIO.write(image, "png", png.toFile())) {
            throw new IOException("no PNG writer in this JVM: cannot write " + png);
        }
    }

    private static JFreeChart latencyChart(BenchResults results) {
        XYSeriesCollection data = new XYSeriesCollection();
        List<List<String>> labels = new ArrayList<>();
        for (BenchResults.Scenario scenario : results.scenarios()) {
            // In load order, not x order: past its maximum a scenario's line turns up and back, which is the point.
            XYSeries series = new XYSeries(scenario.name(), false, true);
            List<String> seriesLabels = new ArrayList<>();
            scenario.openLoop().stream()
                    .sorted(Comparator.comparingDouble(BenchResults.OpenLoopPoint::load))
                    .filter(p -> p.p99Ms() > 0)
                    .forEach(p -> {
                        series.add(p.achievedPerS(), p.p99Ms());
                        seriesLabels.add(Math.round(p.load() * 100) + "%");
                    });
            data.addSeries(series);
            labels.add(seriesLabels);
        }
        ValueMarker target = dashedMarker(results.latencyTargetMs(),
                "latency target " + BenchReport.ms(results.latencyTargetMs()) + " ms");
        target.setLabelAnchor(RectangleAnchor.TOP_LEFT);
        target.setLabelTextAnchor(TextAnchor.BOTTOM_LEFT);
        JFreeChart chart = p99Lines("p99 latency vs achieved throughput", "achieved records/s",
                "p99 end-to-end latency, ms (log); point labels: offered load", data, target);
        XYLineAndShapeRenderer renderer = (XYLineAndShapeRenderer) chart.getXYPlot().getRenderer();
        renderer.setDefaultItemLabelGenerator((dataset, series, item) -> labels.get(series).get(item));
        renderer.setDefaultItemLabelsVisible(true);
        return chart;
    }

    /** A dashed grey line across the latency axis at {@code ms}: a target or a bound. */
    static ValueMarker dashedMarker(double ms, String label) {
        ValueMarker marker = new ValueMarker(ms, Color.GRAY, new BasicStroke(1f, BasicStroke.CAP_BUTT,
                BasicStroke.JOIN_MITER, 1f, new float[] {6f, 4f}, 0f));
        marker.setLabel(label);
        return marker;
    }

    /**
     * The bench's p99-latency line chart: a line with points per series, 2 px wide, a logarithmic latency axis,
     * {@code marker} across it, white background and light grid. The latency-bounded chart uses it too.
     */
    static JFreeChart p99Lines(String title, String xLabel, String yLabel, XYSeriesCollection data,
            ValueMarker marker) {
        JFreeChart chart = ChartFactory.createXYLineChart(title, xLabel, "p99 latency, ms", data,
                PlotOrientation.VERTICAL, true, false, false);
        XYPlot plot = chart.getXYPlot();
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        for (int i = 0; i < data.getSeriesCount(); i++) {
            renderer.setSeriesStroke(i, new BasicStroke(2f));
        }
        plot.setRenderer(renderer);
        LogarithmicAxis axis = new LogarithmicAxis(yLabel);
        axis.setStrictValuesFlag(false);
        axis.setAllowNegativesFlag(false);
        plot.setRangeAxis(axis);
        plot.addRangeMarker(marker);
        return whiteWithGrid(chart);
    }

    /** The bench's XY chart look: white background, light grey grid. */
    static JFreeChart whiteWithGrid(JFreeChart chart) {
        XYPlot plot = chart.getXYPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        chart.setBackgroundPaint(Color.WHITE);
        return chart;
    }

    private static JFreeChart engineChart(BenchResults results) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        List<BenchResults.EnginePoint> points = results.engineAlone();
        for (BenchResults.EnginePoint p : points) {
            data.addValue(p.recordsPerS(), results.engine(), Integer.toString(p.batchSize()));
        }
        return whiteBars(ChartFactory.createBarChart("engine alone (" + results.model() + ")", "batch size",
                "records/s", data, PlotOrientation.VERTICAL, false, false, false));
    }

    /** The bench's bar chart look: white background, light grey grid across. */
    static JFreeChart whiteBars(JFreeChart chart) {
        CategoryPlot plot = chart.getCategoryPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        chart.setBackgroundPaint(Color.WHITE);
        return chart;
    }
}
