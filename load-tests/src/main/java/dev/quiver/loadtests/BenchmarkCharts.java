package dev.quiver.loadtests;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SortedMap;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * The benchmarks' figures drawn as PNG charts (JFreeChart) beside their tables: one line per scenario, a figure against
 * the concurrency it was measured at (clients or threads, on a base-2 axis).
 */
final class BenchmarkCharts {

    private static final int WIDTH = 900;
    private static final int HEIGHT = 520;

    private BenchmarkCharts() {
    }

    /**
     * @param lines per line, its value at each concurrency
     * @param logValues whether the values' axis is logarithmic (latencies that span orders of magnitude)
     */
    static void lines(Path file, String title, String valueLabel, Map<String, SortedMap<Integer, Double>> lines,
                      boolean logValues) throws IOException {
        System.setProperty("java.awt.headless", "true");
        XYSeriesCollection data = new XYSeriesCollection();
        lines.forEach((name, points) -> {
            XYSeries series = new XYSeries(name);
            points.forEach(series::add);
            data.addSeries(series);
        });
        JFreeChart chart = ChartFactory.createXYLineChart(title, "concurrency", valueLabel, data,
                PlotOrientation.VERTICAL, true, false, false);
        XYPlot plot = chart.getXYPlot();
        LogAxis concurrency = new LogAxis("concurrency");
        concurrency.setBase(2);
        concurrency.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        plot.setDomainAxis(concurrency);
        if (logValues) {
            plot.setRangeAxis(new LogAxis(valueLabel));
        } else {
            ((NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(true);
        }
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        for (int i = 0; i < data.getSeriesCount(); i++) {
            renderer.setSeriesStroke(i, new BasicStroke(2f));
        }
        plot.setRenderer(renderer);
        Files.createDirectories(file.toAbsolutePath().getParent());
        ChartUtils.saveChartAsPNG(file.toFile(), chart, WIDTH, HEIGHT);
    }
}
