package io.streamrt.jobs.sql;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamrt.jobs.testing.Cli;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code sql -f script.sql} as a user runs it: a local mini cluster, the streamrt provider, rows as a table. */
class SqlCommandTest {

    @Test
    void runsAScriptAndPrintsTheQuerysRowsAsATable(@TempDir Path dir) throws Exception {
        Path script = Files.writeString(dir.resolve("classify.sql"), """
                SET 'parallelism.default' = '1';
                CREATE TEMPORARY VIEW reviews(id, body) AS VALUES
                  (1, 'The striker scored twice and the team won the championship final.'),
                  (2, 'Parliament passed the budget after a long debate between the parties.'),
                  (3, 'The new smartphone chip runs machine learning models twice as fast.');
                CREATE MODEL topics INPUT (body STRING) OUTPUT (label STRING, batch_size INT)
                  WITH ('provider' = 'streamrt', 'labels' = 'sports;politics;technology');
                SELECT id, label FROM ML_PREDICT(TABLE reviews, MODEL topics, DESCRIPTOR(body));
                SELECT COUNT(*) AS n FROM reviews;
                """);

        Cli.Run run = Cli.run("sql", "-f", script.toString());

        assertThat(run.exit()).as(run.toString()).isZero();
        assertThat(run.out()).contains("OK: CREATE MODEL topics").contains("| id | label")
                .containsPattern("\\| 1 +\\| sports +\\|").containsPattern("\\| 2 +\\| politics +\\|")
                .containsPattern("\\| 3 +\\| technology +\\|").contains("3 rows");
        // A streaming aggregate's changes, marked as Flink's SQL client marks them.
        assertThat(run.out()).contains("| op | n |").containsPattern("\\| \\+U +\\| 3 +\\|").contains("(changes)");
    }

    @Test
    void aFailingStatementStopsTheScriptAndIsNamed(@TempDir Path dir) throws Exception {
        Path script = Files.writeString(dir.resolve("bad.sql"), """
                CREATE TEMPORARY VIEW reviews(body) AS VALUES ('a text');
                CREATE MODEL topics INPUT (body STRING) OUTPUT (colour STRING) WITH ('provider' = 'streamrt');
                SELECT * FROM ML_PREDICT(TABLE reviews, MODEL topics, DESCRIPTOR(body));
                SELECT 'never run';
                """);

        Cli.Run run = Cli.run("sql", "-f", script.toString());

        assertThat(run.exit()).as(run.toString()).isEqualTo(1);
        assertThat(run.err()).contains("statement 3 of 4 failed: SELECT * FROM ML_PREDICT")
                .contains("OUTPUT column `colour` is not one a streamrt model fills");
        assertThat(run.out()).doesNotContain("never run");
    }
}
