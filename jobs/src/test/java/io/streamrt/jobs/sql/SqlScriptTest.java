package io.streamrt.jobs.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Scripts as Flink's SQL client cuts them: semicolons inside quotes and comments do not end a statement. */
class SqlScriptTest {

    @Test
    void splitsAtSemicolonsOutsideQuotesNamesAndComments() {
        String script = """
                -- a comment; not a statement
                SET 'pipeline.name' = 'a;b';
                CREATE MODEL `odd;name` INPUT (t STRING) OUTPUT (label STRING)
                  WITH ('provider' = 'streamrt', 'labels' = 'x;y', 'text.prefix' = 'it''s; ');  /* trailing; */
                SELECT "a;b" FROM t
                """;

        assertThat(SqlScript.statements(script)).containsExactly(
                "SET 'pipeline.name' = 'a;b'",
                "CREATE MODEL `odd;name` INPUT (t STRING) OUTPUT (label STRING)\n"
                        + "  WITH ('provider' = 'streamrt', 'labels' = 'x;y', 'text.prefix' = 'it''s; ')",
                "SELECT \"a;b\" FROM t");
    }

    @Test
    void keepsAStatementSetWhole() {
        String script = "CREATE TABLE a (x INT);\nEXECUTE STATEMENT SET\nBEGIN\n  INSERT INTO a VALUES (1);\n"
                + "  INSERT INTO a VALUES (2);\nEND;\nSELECT * FROM a;";

        assertThat(SqlScript.statements(script)).containsExactly("CREATE TABLE a (x INT)",
                "EXECUTE STATEMENT SET\nBEGIN\n  INSERT INTO a VALUES (1);\nINSERT INTO a VALUES (2);\nEND",
                "SELECT * FROM a");
    }

    @Test
    void anUnclosedQuoteCommentOrStatementSetIsAnError() {
        assertThatThrownBy(() -> SqlScript.statements("SELECT 'open")).hasMessageContaining("never closed");
        assertThatThrownBy(() -> SqlScript.statements("SELECT 1 /* open")).hasMessageContaining("never closed");
        assertThatThrownBy(() -> SqlScript.statements("EXECUTE STATEMENT SET BEGIN INSERT INTO a VALUES (1);"))
                .hasMessageContaining("has no END");
    }
}
