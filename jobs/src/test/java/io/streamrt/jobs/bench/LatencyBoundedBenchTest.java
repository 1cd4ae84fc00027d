package io.streamrt.jobs.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamrt.operators.BatchStatistics;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The latency-bounded search on given figures (a p99 that grows with the offered rate, a machine that cannot offer
 * more than it can): the highest passing step is found from above and below, and the files have their shape.
 */
class LatencyBoundedBenchTest {

    private static final BatchStatistics.Totals BATCHES = new BatchStatistics.Totals(10, 80, 600, 800, 0);

    @TempDir
    Path dir;

    /** p99 = 50 ms until {@code knee} records/s, then climbing steeply; the producer keeps up to 1,000/s. */
    private static LatencyBoundedBench.OpenLoop curve(Map<BenchScenario, Double> knees, List<Double> offered) {
        return (scenario, load, rate) -> {
            offered.add(rate);
            double knee = knees.get(scenario);
            double p99 = rate <= knee ? 50 : 50 + 40 * (rate - knee);
            double produced = Math.min(rate, 1000);
            return new PipelineBench.OpenLoopResult(load, rate, produced, 100, 100, 0, produced, 10, 20, p99, 1, 2,
                    BATCHES);
        };
    }

    @Test
    void aStepThatFailsOnceAndPassesWhenRunAgainDoesNotEndTheSearch() throws Exception {
        // p99 50 ms below the knee (100/s), except the first run at 46.9/s: a stall, 900 ms.
        List<Double> offered = new ArrayList<>();
        LatencyBoundedBench.OpenLoop stalledOnce = (scenario, load, rate) -> {
            offered.add(rate);
            boolean stall = Math.abs(rate - 46.875) < 1e-6 && offered.stream().filter(r -> r == rate).count() == 1;
            double p99 = stall ? 900 : rate <= 100 ? 50 : 50 + 40 * (rate - 100);
            return new PipelineBench.OpenLoopResult(load, rate, rate, 100, 100, 0, rate, 10, 20, p99, 1, 2, BATCHES);
        };

        LatencyBoundedBench.Result result = LatencyBoundedBench.run(stalledOnce,
                Map.of(BenchScenario.PER_RECORD, 100.0), 250, 800, what -> { }, step -> { });

        LatencyBoundedBench.ScenarioResult perRecord = result.scenarios().get(0);
        assertThat(perRecord.steps()).extracting(LatencyBoundedBench.Step::pass).startsWith(true, true, false, true);
        assertThat(perRecord.boundedPerS()).as("past the stall, up to the knee").isGreaterThan(90).isLessThan(110);
    }

    @Test
    void theHighestRateWithinTheBoundIsFoundWithTwoHalvingsOfTheLastGap() throws Exception {
        List<Double> offered = new ArrayList<>();
        Map<BenchScenario, Double> maxima = Map.of(BenchScenario.PER_RECORD, 100.0, BenchScenario.STATIC, 400.0,
                BenchScenario.ADAPTIVE, 500.0);
        Map<BenchScenario, Double> knees = Map.of(BenchScenario.PER_RECORD, 60.0, BenchScenario.STATIC, 10.0,
                BenchScenario.ADAPTIVE, 2000.0);

        LatencyBoundedBench.Result result = LatencyBoundedBench.run(curve(knees, offered), maxima, 250, 800,
                what -> { }, step -> { });

        // Per-record: 30, 37.5, 46.9, 58.6 pass; 73.2 is 13.2/s past the knee (p99 580 ms), twice; the middle of the
        // last gap, 65.5, is 5.5/s past it (p99 270 ms), twice; the middle of what is left, 62.0, is 2.0/s past (p99
        // 128 ms). A failing rate is run twice before it counts.
        LatencyBoundedBench.ScenarioResult perRecord = result.scenarios().get(0);
        assertThat(perRecord.steps()).extracting(LatencyBoundedBench.Step::pass)
                .containsExactly(true, true, true, true, false, false, false, false, true);
        double firstMiddle = Math.sqrt(58.59375 * 73.2421875);
        assertThat(perRecord.steps().get(6).offeredPerS()).isCloseTo(firstMiddle, within(1e-6));
        assertThat(perRecord.steps().get(7).offeredPerS()).isCloseTo(firstMiddle, within(1e-6));
        assertThat(perRecord.boundedPerS()).isCloseTo(Math.sqrt(58.59375 * firstMiddle), within(1e-9));
        // Static: the first step (120/s) is already over the bound: the search goes down until one passes.
        LatencyBoundedBench.ScenarioResult fixed = result.scenarios().get(1);
        assertThat(fixed.steps().get(0).pass()).isFalse();
        assertThat(fixed.boundedPerS()).isPositive().isLessThanOrEqualTo(10 + 200 / 40.0);
        // Adaptive: the latency never breaks the bound, but past 1,000/s the producer cannot offer the rate.
        LatencyBoundedBench.ScenarioResult adaptive = result.scenarios().get(2);
        assertThat(adaptive.boundedPerS()).isLessThanOrEqualTo(1000 / LatencyBoundedBench.MIN_ACHIEVED_SHARE)
                .isGreaterThan(700);
        assertThat(adaptive.steps()).extracting(LatencyBoundedBench.Step::pass).endsWith(true, false, false);
        assertThat(result.bounded(BenchScenario.ADAPTIVE)).isEqualTo(adaptive.boundedPerS());
        assertThat(offered).allSatisfy(rate -> assertThat(rate).isPositive());

        assertThat(result.markdown()).contains("| scenario | backlog max/s | latency-bounded/s |")
                .contains(String.format(java.util.Locale.ROOT, "Adaptive: %.2fx per-record",
                        adaptive.boundedPerS() / perRecord.boundedPerS()));
        Path json = dir.resolve("lb.json");
        Path png = dir.resolve("lb.png");
        result.write(json, "2026-12-05T00:00:00Z", "test machine", "m", "simulated-gpu");
        result.chart(png);
        JsonNode root = new ObjectMapper().readTree(json.toFile());
        assertThat(root.get("latency_bound_ms").asDouble()).isEqualTo(250);
        assertThat(root.get("engine_alone_best_per_s").asDouble()).isEqualTo(800);
        assertThat(root.get("scenarios")).hasSize(3);
        JsonNode first = root.get("scenarios").get(0);
        assertThat(first.get("name").asText()).isEqualTo("per-record");
        assertThat(first.get("latency_bounded_per_s").asDouble()).isEqualTo(perRecord.boundedPerS());
        assertThat(first.get("steps").get(4).get("pass").asBoolean()).isFalse();
        assertThat(first.get("steps")).hasSize(9);
        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image).isNotNull();
    }
}
