package io.streamrt.jobs.metrics;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.RangeType;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * Draws a dashboard's panels, as series fetched from Prometheus, into one PNG: a grid of line charts, three a row,
 * each titled and with the unit of its Grafana panel, series on the right axis where the panel puts them there.
 * Headless: no display is needed.
 *
 * <pre>{@code
 * DashboardPicture.write(List.of(new DashboardPicture.Chart(panel, series)), "enrich, CPU engine", Path.of("d.png"));
 * }</pre>
 */
final class DashboardPicture {

    private static final int COLUMNS = 3;
    private static final int CELL_WIDTH = 560;
    private static final int CELL_HEIGHT = 320;
    private static final int HEADER = 40;

    /** One line of a panel: its legend, and (seconds since the first sample, value) points. */
    record Series(String refId, String name, List<double[]> points) {}

    /** One panel and the series its queries returned. */
    record Chart(GrafanaDashboard.Panel panel, List<Series> series) {}

    private DashboardPicture() {}

    static void write(List<Chart> charts, String caption, Path png) throws IOException {
        System.setProperty("java.awt.headless", "true");
        int rows = (charts.size() + COLUMNS - 1) / COLUMNS;
        BufferedImage image = new BufferedImage(COLUMNS * CELL_WIDTH, HEADER + rows * CELL_HEIGHT,
                BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, image.getWidth(), image.getHeight());
            g.setColor(Color.DARK_GRAY);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
            g.drawString(caption, 12, 26);
            for (int i = 0; i < charts.size(); i++) {
                chart(charts.get(i)).draw(g, new Rectangle2D.Double((i % COLUMNS) * CELL_WIDTH,
                        HEADER + (i / COLUMNS) * CELL_HEIGHT, CELL_WIDTH, CELL_HEIGHT));
            }
        } finally {
            g.dispose();
        }
        Files.createDirectories(png.toAbsolutePath().getParent());
        if (!ImageIO.write(image, "png", png.toFile())) {
            throw new IOException("no PNG writer in this JVM: cannot write " + png);
        }
    }

    private static JFreeChart chart(Chart chart) {
        GrafanaDashboard.Panel panel = chart.panel();
        XYSeriesCollection left = new XYSeriesCollection();
        XYSeriesCollection right = new XYSeriesCollection();
        for (Series series : chart.series()) {
            XYSeries line = new XYSeries(series.name(), false, true);
            series.points().forEach(p -> line.add(p[0], p[1]));
            (panel.rightAxis().contains(series.refId()) ? right : left).addSeries(line);
        }
        JFreeChart jfree = ChartFactory.createXYLineChart(panel.title(), "seconds", unitLabel(panel.unit()), left,
                PlotOrientation.VERTICAL, true, false, false);
        jfree.getTitle().setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        XYPlot plot = jfree.getXYPlot();
        plot.setNoDataMessage("no series: reported by GPU engines only");
        plot.setRenderer(0, lines(left.getSeriesCount(), 0));
        if (right.getSeriesCount() > 0) {
            NumberAxis axis = new NumberAxis(unitLabel(panel.rightUnit()));
            axis.setRangeType(RangeType.POSITIVE);
            plot.setRangeAxis(1, axis);
            plot.setDataset(1, right);
            plot.mapDatasetToRangeAxis(1, 1);
            plot.setRenderer(1, lines(right.getSeriesCount(), left.getSeriesCount()));
        }
        NumberAxis values = (NumberAxis) plot.getRangeAxis();
        values.setRangeType(RangeType.POSITIVE); // every panel of the dashboard starts at 0 (its min)
        values.setAutoRangeMinimumSize(1); // a flat line at 0 (no restarts) shows 0 to 1, not +-5E-9
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        jfree.setBackgroundPaint(Color.WHITE);
        return jfree;
    }

    private static final Color[] PALETTE = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c),
        new Color(0xff7f0e), new Color(0x9467bd), new Color(0x8c564b), new Color(0x17becf)};

    /** Lines 2 px wide without points, colours continuing from {@code first} so both axes' series differ. */
    private static XYLineAndShapeRenderer lines(int count, int first) {
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, false);
        for (int i = 0; i < count; i++) {
            renderer.setSeriesStroke(i, new BasicStroke(2f));
            renderer.setSeriesPaint(i, PALETTE[(first + i) % PALETTE.length]);
        }
        return renderer;
    }

    /** Grafana's unit ids as an axis label. */
    private static String unitLabel(String unit) {
        return switch (unit == null ? "" : unit) {
            case "ops" -> "records/s";
            case "ms" -> "ms";
            case "percentunit" -> "fraction (0-1)";
            case "percent" -> "percent";
            case "bytes" -> "bytes";
            default -> "count";
        };
    }
}
