package io.streamrt.jobs.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamrt.operators.BatchStatistics;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The verdicts against the throughput and latency targets, from figures given here (no run): ratios, bounds, missing loads. */
class BenchReportTest {

    private static final BenchReport.Meta META =
            new BenchReport.Meta("2026-11-25T00:00:00Z", "amd64, 2 cores", "m", "onnxruntime", "setup", 100);
    private static final BatchStatistics.Totals BATCHES = new BatchStatistics.Totals(10, 80, 600, 800, 0);

    @Test
    void checksEachTargetAsARatioOfThisRun() {
        BenchReport report = report(
                List.of(point(1, 200), point(32, 300)),
                max(150), max(90), max(280),
                List.of(open(0.6, 168, 160, 40, false), open(0.9, 252, 240, 70, false)),
                List.of(open(0.6, 168, 80, 300, false)));

        assertThat(report.targets()).extracting(BenchReport.Target::verdict)
                .containsExactly("PASS", "PASS", "PASS", "PASS", "PASS", "MISS");
        assertThat(report.targets().get(0).measured()).isEqualTo("0.93x");
        assertThat(report.targets().get(5).measured()).isEqualTo("0.95x");
        String md = report.markdown();
        assertThat(md).contains("| engine alone, batch 32 | - | - | 300.0 |")
                .contains("| adaptive | 0.60 | 168.0 | 160.0 |")
                .as("no percentile is marked as a lower bound").doesNotContainPattern("\\| >=\\d")
                .doesNotContain("lower bound");
    }

    @Test
    void aCensoredStaticP99DecidesOnlyAPass() {
        // Static's p99 is a lower bound, so adaptive/static is an upper bound of the true ratio.
        BenchReport passes = report(List.of(point(8, 300)), max(150), max(90), max(280),
                List.of(open(0.6, 168, 160, 40, false)), List.of(open(0.6, 168, 60, 1000, true)));
        BenchReport undecided = report(List.of(point(8, 300)), max(150), max(90), max(280),
                List.of(open(0.6, 168, 160, 900, false)), List.of(open(0.6, 168, 60, 1000, true)));

        assertThat(passes.targets().get(4).verdict()).isEqualTo("PASS");
        assertThat(undecided.targets().get(4).verdict()).isEqualTo("undecided");
        assertThat(undecided.targets().get(4).note()).isEqualTo("static p99 is a lower bound");
        assertThat(undecided.markdown()).contains(">=1000").contains("lower bounds");
    }

    @Test
    void loadsThatWereNotRunAreNotApplicable() {
        BenchReport report = report(List.of(point(8, 300)), max(150), max(90), max(280),
                List.of(open(0.5, 140, 139, 40, false)), List.of(open(0.5, 140, 139, 40, false)));

        assertThat(report.targets()).extracting(BenchReport.Target::verdict).endsWith("n/a", "n/a", "n/a");
    }

    @Test
    void perRecordIsReportedAsBatchesOfOneWithoutPadding() {
        BenchReport report = report(List.of(point(8, 300)), max(150), max(90), max(280), List.of(), List.of());

        BenchResults results = report.toResults();
        assertThat(results.scenarios()).extracting(BenchResults.Scenario::name)
                .containsExactly("per-record", "static", "adaptive");
        assertThat(results.scenario("per-record").openLoop()).singleElement().satisfies(p -> {
            assertThat(p.meanBatchSize()).isEqualTo(1.0);
            assertThat(p.paddingRatio()).isZero();
        });
        assertThat(results.scenario("static").openLoop()).isEmpty();
    }

    @Test
    void percentilesAreNearestRank() {
        long[] sorted = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
        assertThat(PipelineBench.percentile(sorted, 0.50)).isEqualTo(5);
        assertThat(PipelineBench.percentile(sorted, 0.95)).isEqualTo(10);
        assertThat(PipelineBench.percentile(new long[] {7}, 0.99)).isEqualTo(7);
    }

    private static BenchReport report(List<EngineAloneBench.Point> engine, PipelineBench.MaxResult perRecord,
            PipelineBench.MaxResult statik, PipelineBench.MaxResult adaptive, List<PipelineBench.OpenLoopResult> adaptiveLoops,
            List<PipelineBench.OpenLoopResult> staticLoops) {
        return new BenchReport(META, engine,
                Map.of(BenchScenario.PER_RECORD, perRecord, BenchScenario.STATIC, statik, BenchScenario.ADAPTIVE, adaptive),
                Map.of(BenchScenario.ADAPTIVE, adaptiveLoops, BenchScenario.STATIC, staticLoops,
                        BenchScenario.PER_RECORD, List.of(open(0.6, 168, 150, 30, false))));
    }

    private static EngineAloneBench.Point point(int batch, double rate) {
        return new EngineAloneBench.Point(batch, rate, 0.1, 1.0);
    }

    private static PipelineBench.MaxResult max(double rate) {
        return new PipelineBench.MaxResult(rate, 1000, 0, 1000 / rate, BATCHES, 1000 * 600L);
    }

    private static PipelineBench.OpenLoopResult open(double load, double offered, double achieved, double p99,
            boolean censored) {
        int sent = 100;
        return new PipelineBench.OpenLoopResult(load, offered, offered, sent, censored ? 90 : sent, 0, achieved,
                p99 / 4, p99 / 2, p99, p99 / 8, p99 / 4, BATCHES);
    }
}
