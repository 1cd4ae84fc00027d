package io.streamrt.jobs.bench;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Everything one {@code bench} run measured, and its two renderings: the JSON figures ({@link #toResults()}) and
 * the Markdown table with the targets checked as ratios of this run.
 *
 * <pre>{@code
 * BenchReport report = new BenchReport(meta, enginePoints, maxima, openLoops);
 * System.out.println(report.markdown());
 * report.toResults().write(Path.of("bench-results.json"));
 * }</pre>
 */
final class BenchReport {

    /**
     * What the run was, for the header and the JSON.
     *
     * @param date ISO-8601 start time
     * @param machine architecture, cores, CPU model
     * @param model model name
     * @param engine backend name
     * @param setup one line with the flags that shape the figures
     * @param latencyTargetMs the adaptive latency target
     */
    record Meta(String date, String machine, String model, String engine, String setup, double latencyTargetMs) {}

    /** A throughput or latency target and how this run fared. */
    record Target(String description, String measured, Boolean pass, String note) {

        String verdict() {
            return pass == null ? ("-".equals(measured) ? "n/a" : "undecided") : pass ? "PASS" : "MISS";
        }
    }

    private final Meta meta;
    private final List<EngineAloneBench.Point> engine;
    private final Map<BenchScenario, PipelineBench.MaxResult> maxima;
    private final Map<BenchScenario, List<PipelineBench.OpenLoopResult>> openLoops;

    BenchReport(Meta meta, List<EngineAloneBench.Point> engine, Map<BenchScenario, PipelineBench.MaxResult> maxima,
            Map<BenchScenario, List<PipelineBench.OpenLoopResult>> openLoops) {
        this.meta = meta;
        this.engine = List.copyOf(engine);
        this.maxima = new EnumMap<>(maxima);
        this.openLoops = new EnumMap<>(openLoops);
    }

    /** The figures in the JSON shape; scenarios in the order per-record, static, adaptive. */
    BenchResults toResults() {
        List<BenchResults.EnginePoint> enginePoints = engine.stream()
                .map(p -> new BenchResults.EnginePoint(p.batchSize(), p.recordsPerS())).toList();
        List<BenchResults.Scenario> scenarios = new ArrayList<>();
        for (BenchScenario scenario : BenchScenario.values()) {
            PipelineBench.MaxResult max = maxima.get(scenario);
            if (max == null) {
                continue;
            }
            List<BenchResults.OpenLoopPoint> points = openLoops.getOrDefault(scenario, List.of()).stream()
                    .map(r -> new BenchResults.OpenLoopPoint(r.load(), r.offeredPerS(), r.achievedPerS(), r.p50Ms(),
                            r.p95Ms(), r.p99Ms(), meanBatch(scenario, r), padding(scenario, r)))
                    .toList();
            scenarios.add(new BenchResults.Scenario(scenario.label(), max.recordsPerS(), points));
        }
        return new BenchResults(meta.date(), meta.machine(), meta.model(), meta.engine(), enginePoints, scenarios,
                meta.latencyTargetMs());
    }

    /** The per-record scenario has no scheduler: every run is a batch of one, with nothing to pad. */
    static double meanBatch(BenchScenario scenario, PipelineBench.OpenLoopResult r) {
        return scenario == BenchScenario.PER_RECORD ? 1.0 : r.batches().meanBatchSize();
    }

    static double padding(BenchScenario scenario, PipelineBench.OpenLoopResult r) {
        return scenario == BenchScenario.PER_RECORD ? 0.0 : r.batches().paddingRatio();
    }

    String markdown() {
        StringBuilder md = new StringBuilder();
        md.append("### StreamRT benchmark, ").append(meta.date()).append("\n\n");
        md.append("Machine: ").append(meta.machine()).append(". Model: ").append(meta.model()).append(" on ")
                .append(meta.engine()).append(". ").append(meta.setup()).append("\n\n");
        md.append("| scenario | load | offered/s | achieved/s | p50 ms | p95 ms | p99 ms | mean batch | padding |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (EngineAloneBench.Point p : engine) {
            row(md, "engine alone, batch " + p.batchSize(), "-", "-", num(p.recordsPerS()), "-", "-", "-",
                    String.valueOf(p.batchSize()), ratio(p.paddingRatio()));
        }
        boolean censored = false;
        for (BenchScenario scenario : BenchScenario.values()) {
            PipelineBench.MaxResult max = maxima.get(scenario);
            if (max == null) {
                continue;
            }
            boolean perRecord = scenario == BenchScenario.PER_RECORD;
            row(md, scenario.label(), "max", "-", num(max.recordsPerS()), "-", "-", "-",
                    perRecord ? "1.0" : num(max.batches().meanBatchSize()),
                    perRecord ? ratio(0) : ratio(max.batches().paddingRatio()));
            for (PipelineBench.OpenLoopResult r : openLoops.getOrDefault(scenario, List.of())) {
                String bound = r.censored() ? ">=" : "";
                censored |= r.censored();
                row(md, scenario.label(), String.format(Locale.ROOT, "%.2f", r.load()), num(r.offeredPerS()),
                        num(r.achievedPerS()), bound + ms(r.p50Ms()), bound + ms(r.p95Ms()), bound + ms(r.p99Ms()),
                        num(meanBatch(scenario, r)), ratio(padding(scenario, r)));
            }
        }
        md.append('\n');
        md.append("Rates in records/s. Latency: output minus input Kafka CreateTime (end to end). \"max\": input "
                + "pre-loaded, records over the span of output timestamps.");
        if (censored) {
            md.append(" \">=\": some paced records had no output when the run stopped waiting; they count with "
                    + "the time they had waited, so those percentiles are lower bounds (the load was above what the "
                    + "scenario sustains).");
        }
        md.append("\n\n| target | measured | verdict |\n|---|---:|---|\n");
        for (Target t : targets()) {
            md.append("| ").append(t.description()).append(" | ").append(t.measured()).append(" | ")
                    .append(t.verdict()).append(t.note().isEmpty() ? "" : " (" + t.note() + ")").append(" |\n");
        }
        return md.toString();
    }

    List<Target> targets() {
        List<Target> targets = new ArrayList<>();
        PipelineBench.MaxResult adaptive = maxima.get(BenchScenario.ADAPTIVE);
        EngineAloneBench.Point best = engine.stream()
                .max((a, b) -> Double.compare(a.recordsPerS(), b.recordsPerS())).orElse(null);
        if (adaptive != null && best != null) {
            double r = adaptive.recordsPerS() / best.recordsPerS();
            targets.add(new Target("adaptive max >= 0.9 x engine-alone best (batch " + best.batchSize() + ", "
                    + num(best.recordsPerS()) + "/s)", times(r), r >= 0.9, ""));
        }
        ratioTarget(targets, adaptive, BenchScenario.PER_RECORD, 1.3);
        ratioTarget(targets, adaptive, BenchScenario.STATIC, 2.0);
        PipelineBench.OpenLoopResult adaptive60 = at(BenchScenario.ADAPTIVE, 0.6);
        PipelineBench.OpenLoopResult static60 = at(BenchScenario.STATIC, 0.6);
        if (adaptive60 != null) {
            targets.add(new Target("60% load: adaptive p99 <= latency target (" + ms(meta.latencyTargetMs()) + " ms)",
                    (adaptive60.censored() ? ">=" : "") + ms(adaptive60.p99Ms()) + " ms",
                    adaptive60.p99Ms() <= meta.latencyTargetMs(), adaptive60.censored() ? "lower bound" : ""));
        } else {
            targets.add(new Target("60% load: adaptive p99 <= latency target", "-", null, "load 0.6 not run"));
        }
        if (adaptive60 != null && static60 != null && static60.p99Ms() > 0) {
            double r = adaptive60.p99Ms() / static60.p99Ms();
            // A censored p99 is a lower bound: a censored static p99 makes r an upper bound of the true ratio,
            // a censored adaptive p99 makes it a lower bound. Say PASS or MISS only where the bound decides it.
            Boolean pass;
            String note;
            if (!adaptive60.censored() && !static60.censored()) {
                pass = r <= 0.5;
                note = "";
            } else if (!adaptive60.censored()) {
                pass = r <= 0.5 ? Boolean.TRUE : null;
                note = "static p99 is a lower bound";
            } else if (!static60.censored()) {
                pass = r > 0.5 ? Boolean.FALSE : null;
                note = "adaptive p99 is a lower bound";
            } else {
                pass = null;
                note = "both p99s are lower bounds";
            }
            targets.add(new Target("60% load: adaptive p99 <= 0.5 x static p99 (" + (static60.censored() ? ">=" : "")
                    + ms(static60.p99Ms()) + " ms)", times(r), pass, note));
        } else {
            targets.add(new Target("60% load: adaptive p99 <= 0.5 x static p99", "-", null, "load 0.6 not run"));
        }
        PipelineBench.OpenLoopResult adaptive90 = at(BenchScenario.ADAPTIVE, 0.9);
        if (adaptive90 != null) {
            double r = adaptive90.achievedPerS() / adaptive90.offeredPerS();
            String note = adaptive90.producedPerS() < 0.98 * adaptive90.offeredPerS()
                    ? "the producer itself kept only " + num(adaptive90.producedPerS()) + "/s" : "";
            targets.add(new Target("90% load: adaptive achieved >= 0.98 x offered", times(r), r >= 0.98, note));
        } else {
            targets.add(new Target("90% load: adaptive achieved >= 0.98 x offered", "-", null, "load 0.9 not run"));
        }
        return targets;
    }

    private void ratioTarget(List<Target> targets, PipelineBench.MaxResult adaptive, BenchScenario other,
            double needed) {
        PipelineBench.MaxResult max = maxima.get(other);
        if (adaptive == null || max == null) {
            return;
        }
        double r = adaptive.recordsPerS() / max.recordsPerS();
        targets.add(new Target("adaptive max >= " + needed + " x " + other.label() + " max (" + num(max.recordsPerS())
                + "/s)", times(r), r >= needed, ""));
    }

    private PipelineBench.OpenLoopResult at(BenchScenario scenario, double load) {
        return openLoops.getOrDefault(scenario, List.of()).stream()
                .filter(r -> Math.abs(r.load() - load) < 1e-6).findFirst().orElse(null);
    }

    private static void row(StringBuilder md, String... cells) {
        md.append("| ").append(String.join(" | ", cells)).append(" |\n");
    }

    static String num(double value) {
        return String.format(Locale.ROOT, "%.1f", value);
    }

    static String ms(double value) {
        return String.format(Locale.ROOT, "%.0f", value);
    }

    private static String ratio(double value) {
        return String.format(Locale.ROOT, "%.3f", value);
    }

    private static String times(double value) {
        return String.format(Locale.ROOT, "%.2fx", value);
    }
}
