package io.streamrt.operators.userjob;

import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;

/**
 * A user's own SQL job, as docs/sql.md, "The example", shows it (its {@code CREATE MODEL} and
 * {@code ML_PREDICT}), with a main of its own: run by {@code UserProjectJvmTest} in a JVM of its own, from a plain
 * Maven classpath (streamrt-operators and Flink's table API, planner and runtime). Prints one
 * {@code label<TAB>text} line per row.
 */
public final class ReadmeSqlExampleJob {

    private ReadmeSqlExampleJob() {}

    public static void main(String[] args) throws Exception {
        TableEnvironment tables = TableEnvironment.create(EnvironmentSettings.inStreamingMode());
        StringBuilder values = new StringBuilder();
        for (String text : ReadmeExampleJob.TEXTS) {
            values.append(values.isEmpty() ? "" : ", ").append("('").append(text.replace("'", "''")).append("')");
        }
        tables.executeSql("CREATE TEMPORARY VIEW reviews(`text`) AS VALUES " + values);
        tables.executeSql("""
                CREATE MODEL topics
                  INPUT (`text` STRING)
                  OUTPUT (label STRING, score DOUBLE, embedding ARRAY<FLOAT>, batch_size INT)
                  WITH (
                    'provider' = 'streamrt',
                    'model' = 'builtin:all-minilm-l6-v2-int8',
                    'labels' = 'sports;politics;technology',
                    'latency-target-ms' = '100'
                  )""");
        try (CloseableIterator<Row> rows = tables.executeSql("SELECT `text`, label, score FROM ML_PREDICT("
                + "TABLE reviews, MODEL topics, DESCRIPTOR(`text`), MAP['max-concurrent-operations', '256'])")
                .collect()) {
            while (rows.hasNext()) {
                Row row = rows.next();
                System.out.println(row.getField("label") + "\t" + row.getField("text"));
            }
        }
    }
}
