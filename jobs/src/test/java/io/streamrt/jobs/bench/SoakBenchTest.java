package io.streamrt.jobs.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamrt.operators.InferenceOptions;
import io.streamrt.engine.EngineLease;
import io.streamrt.engine.EngineRegistry;
import io.streamrt.jobs.demo.DemoTexts;
import io.streamrt.jobs.enrich.EnrichConfig;
import io.streamrt.jobs.kafka.EmbeddedKafka;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The soak: a short real one through Kafka and Flink, and the growth verdict on given samples. */
class SoakBenchTest {

    @TempDir
    Path dir;

    @Test
    void aShortRealSoakSamplesMemoryQueuesAndLatencyAndWritesJsonAndAChart() throws Exception {
        List<byte[]> values = DemoTexts.generate(60, 3).stream().map(t -> DemoTexts.toJson(t, "text", "id")).toList();
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"))) {
            EnrichConfig template = EnrichConfig.builder(kafka.bootstrapServers(), "in", "out", "dlq")
                    .groupId("soak-test")
                    .set(InferenceOptions.MODEL, "builtin:all-minilm-l6-v2-int8")
                    .set(InferenceOptions.ENGINE, "onnxruntime")
                    .set(InferenceOptions.MAX_BATCH_SIZE, 16)
                    .set(InferenceOptions.CAPACITY, 64)
                    .parallelism(1)
                    .checkpointIntervalMs(1000)
                    .delivery(EnrichConfig.Delivery.AT_LEAST_ONCE)
                    .build();
            try (EngineLease lease = EngineRegistry.shared().acquire(BenchScenario.engineSpec(template))) {
                PipelineBench pipeline = new PipelineBench(kafka, template, values, new PipelineBench.Settings(
                        Duration.ofMillis(10), 10, Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(5),
                        Duration.ofMinutes(2)), line -> { });
                List<String> log = new ArrayList<>();
                SoakBench.Result soak = new SoakBench(pipeline, Duration.ofSeconds(2), log::add)
                        .run(20, Duration.ofSeconds(13));

                assertThat(soak.samples()).hasSize(6);
                assertThat(log).hasSize(6).allSatisfy(line -> assertThat(line).contains("heap after GC", "RSS", "p99"));
                assertThat(soak.samples().get(5).liveHeapMb()).as("the sixth sample forces a full GC").isPositive();
                assertThat(soak.samples().get(4).liveHeapMb()).isEqualTo(-1);
                assertThat(soak.sent()).isBetween(250L, 261L);
                assertThat(soak.received() + soak.deadLetters()).isGreaterThan(soak.sent() - 40);
                assertThat(soak.samples()).allSatisfy(s -> {
                    assertThat(s.heapAfterGcMb()).isPositive();
                    assertThat(s.rssMb()).isGreaterThan(s.heapAfterGcMb() / 2);
                    assertThat(s.schedulerQueued()).isBetween(0, 64);
                    assertThat(s.received()).isPositive();
                    assertThat(s.p99Ms()).isPositive().isLessThan(30_000);
                });

                SoakReport report = SoakReport.of(new SoakReport.Meta("2026-12-02T00:00Z", "test machine",
                        lease.model().name(), "onnxruntime", 13 / 60.0), soak);
                Path json = dir.resolve("soak.json");
                Path png = dir.resolve("soak.png");
                report.write(json, png);
                JsonNode root = new ObjectMapper().readTree(json.toFile());
                assertThat(root.get("samples")).hasSize(6);
                assertThat(root.get("samples").get(0).has("heap_after_gc_mb")).isTrue();
                assertThat(root.get("samples").get(5).get("live_heap_mb").asDouble()).isPositive();
                assertThat(root.get("offered_per_s").asDouble()).isEqualTo(20.0);
                BufferedImage image = ImageIO.read(png.toFile());
                assertThat(image.getWidth()).isGreaterThan(500);
            }
        }
    }

    @Test
    void growthComparesTheFirstTwoMinutesAfterTheWarmUpWithTheLastTwo() {
        List<SoakBench.Sample> samples = new ArrayList<>();
        for (int t = 10; t <= 1200; t += 10) {
            // Live heap (measured once a minute) flat around 200 MB; RSS creeping up by 10% over the run; warm-up
            // noise in the first 5 minutes.
            double heap = t < 300 ? 150 + t / 3.0 : 200 + (t % 20 == 0 ? 2 : -2);
            double rss = 1000 * (1 + 0.1 * t / 1200.0);
            samples.add(new SoakBench.Sample(t, heap + 30, t % 60 == 0 ? heap : -1, rss, 3, 10, 1800, 80));
        }
        SoakReport report = SoakReport.of(new SoakReport.Meta("d", "m", "model", "onnxruntime", 20),
                new SoakBench.Result(180, 216_000, 215_990, 0, samples));
        assertThat(report.warmUpSeconds()).isEqualTo(300);
        assertThat(report.heapGrowthPct()).isCloseTo(0.0, org.assertj.core.data.Offset.offset(0.1));
        // RSS median 1032.9 MB at minutes 5-7, 1095.8 MB over the last two.
        assertThat(report.rssGrowthPct()).isCloseTo(6.1, org.assertj.core.data.Offset.offset(0.2));
        assertThat(report.summary()).contains("live heap +0.0%").contains("MISS").contains("p99 80 ms then 80 ms");
    }
}
