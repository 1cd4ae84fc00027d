package io.streamrt.jobs.upgrade;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamrt.jobs.enrich.EnrichConfig;
import io.streamrt.jobs.enrich.EnrichPipeline;
import io.streamrt.operators.InferenceOptions;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.runtime.OperatorIDPair;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.jobgraph.JobVertex;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.apache.flink.table.api.bridge.java.StreamStatementSet;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.junit.jupiter.api.Test;

/**
 * A job stopped with a savepoint starts again from it only if every stateful operator of the new build has the id
 * its state was filed under: {@code enrich}'s operators keep fixed uids, and the ids do not change with the batch
 * settings, the parallelism or a rebuild.
 */
class JobGraphStabilityTest {

    private static EnrichConfig config(int maxBatch, long latencyMs, int parallelism) {
        return EnrichConfig.builder("127.0.0.1:9", "texts", "enriched", "texts-dlq")
                .set(InferenceOptions.MAX_BATCH_SIZE, maxBatch)
                .set(InferenceOptions.LATENCY_TARGET_MS, latencyMs)
                .parallelism(parallelism)
                .build();
    }

    private static StreamGraph enrich(EnrichConfig config) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        EnrichPipeline.build(env, config);
        return env.getStreamGraph();
    }

    /** Operator id (hex) by the operator's name, over every vertex of the job graph. */
    private static Map<String, String> operatorIds(JobGraph graph) {
        Map<String, String> ids = new TreeMap<>();
        for (JobVertex vertex : graph.getVertices()) {
            List<OperatorIDPair> pairs = vertex.getOperatorIDs();
            for (int i = 0; i < pairs.size(); i++) {
                ids.put(vertex.getName() + " #" + i, pairs.get(i).getGeneratedOperatorID().toHexString());
            }
        }
        return ids;
    }

    @Test
    void everyOperatorOfEnrichCarriesItsFixedUid() {
        StreamGraph graph = enrich(config(64, 100, 2));

        List<String> uids = graph.getStreamNodes().stream().map(StreamNode::getTransformationUID).toList();

        // The savepoint contract: these names never change (the sinks' committers derive theirs from the sink's).
        assertThat(uids).doesNotContainNull().contains("kafka-source", "decode", "inference", "route-results",
                "output-sink", "dead-letter-sink");
    }

    @Test
    void operatorIdsStayTheSameAcrossBuildsBatchSettingsAndParallelism() {
        Map<String, String> first = operatorIds(enrich(config(64, 100, 3)).getJobGraph());
        Map<String, String> again = operatorIds(enrich(config(64, 100, 3)).getJobGraph());
        Map<String, String> otherSettings = operatorIds(enrich(config(16, 250, 2)).getJobGraph());

        assertThat(first).isNotEmpty().isEqualTo(again);
        assertThat(otherSettings.values()).containsExactlyInAnyOrderElementsOf(first.values());
    }

    /** The SQL job of docs/sql.md's shape: Kafka in, ML_PREDICT, a statement set into output and dead-letter. */
    private static StreamGraph sqlJob(int parallelism) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(parallelism);
        StreamTableEnvironment tables = StreamTableEnvironment.create(env);
        String kafka = "'connector' = 'kafka', 'properties.bootstrap.servers' = '127.0.0.1:9', 'format' = 'json'";
        tables.executeSql("CREATE TABLE texts (id STRING, `text` STRING) WITH (" + kafka + ", 'topic' = 'texts', "
                + "'properties.group.id' = 'sql', 'scan.startup.mode' = 'earliest-offset')");
        tables.executeSql("CREATE TABLE enriched (id STRING, label STRING) WITH (" + kafka + ", 'topic' = 'enriched')");
        tables.executeSql("CREATE TABLE dead_letter (id STRING, error STRING) WITH (" + kafka + ", 'topic' = 'dlq')");
        tables.executeSql("CREATE MODEL topics INPUT (`text` STRING) OUTPUT (label STRING, error STRING) WITH ("
                + "'provider' = 'streamrt', 'labels' = 'sports;politics', 'on-failure' = 'DEAD_LETTER')");
        tables.executeSql("CREATE TEMPORARY VIEW predicted AS SELECT * FROM ML_PREDICT(TABLE texts, MODEL topics, "
                + "DESCRIPTOR(`text`))");
        StreamStatementSet set = tables.createStatementSet();
        set.addInsertSql("INSERT INTO enriched SELECT id, label FROM predicted WHERE error IS NULL");
        set.addInsertSql("INSERT INTO dead_letter SELECT id, error FROM predicted WHERE error IS NOT NULL");
        set.attachAsDataStream();
        return env.getStreamGraph();
    }

    @Test
    void theSqlJobsOperatorIdsStayTheSameAcrossBuildsAndParallelism() {
        // The planner numbers its operators' names per JVM (MLPredictTableFunction[8], then [21]): the ids are what
        // state is filed under, and they follow from the plan's shape.
        List<String> first = List.copyOf(operatorIds(sqlJob(3).getJobGraph()).values());
        List<String> again = List.copyOf(operatorIds(sqlJob(3).getJobGraph()).values());
        List<String> rescaled = List.copyOf(operatorIds(sqlJob(2).getJobGraph()).values());

        assertThat(first).hasSizeGreaterThan(4).doesNotHaveDuplicates();
        assertThat(again).containsExactlyInAnyOrderElementsOf(first);
        assertThat(rescaled).containsExactlyInAnyOrderElementsOf(first);
    }

    @Test
    void theSqlRowsInFlightGoThroughFlinksOwnRowSerializerNotKryo() {
        StreamGraph graph = sqlJob(2);

        assertThat(graph.getStreamNodes()).anySatisfy(node -> assertThat(node.getOperatorName()).contains("MLPredict"));
        for (StreamNode node : graph.getStreamNodes()) {
            for (var serializer : node.getTypeSerializersIn()) {
                assertThat(serializer.getClass().getName()).as("input serializer of %s", node.getOperatorName())
                        .doesNotContain("Kryo");
            }
        }
    }

    @Test
    void noTypeInFlightOrInStateGoesThroughKryo() {
        StreamGraph graph = enrich(config(64, 100, 2));

        assertThat(graph.getExecutionConfig().getSerializerConfig().hasGenericTypesDisabled())
                .as("enrich disables Kryo: a type that would use it fails the build").isTrue();
        for (StreamNode node : graph.getStreamNodes()) {
            for (var serializer : node.getTypeSerializersIn()) {
                assertThat(serializer.getClass().getName()).as("input serializer of %s", node.getOperatorName())
                        .doesNotContain("Kryo");
            }
            if (node.getTypeSerializerOut() != null) {
                assertThat(node.getTypeSerializerOut().getClass().getName())
                        .as("output serializer of %s", node.getOperatorName()).doesNotContain("Kryo");
            }
        }
    }
}
