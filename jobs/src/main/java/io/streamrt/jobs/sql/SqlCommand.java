package io.streamrt.jobs.sql;

import io.streamrt.jobs.InferenceFlags;
import io.streamrt.jobs.StreamRtCli;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.configuration.DeploymentOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.ResultKind;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.types.Row;
import org.apache.flink.types.RowKind;
import org.apache.flink.util.CloseableIterator;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sql -f script.sql}: runs a script of Flink SQL statements on a local mini cluster (or, under {@code flink
 * run}, on that cluster), StreamRT's {@code streamrt}
 * model provider included: {@code CREATE MODEL ... WITH ('provider' = 'streamrt')} and {@code ML_PREDICT}. A query's
 * rows are printed as a table; an {@code INSERT} (or statement set) runs to its end before the next statement.
 *
 * <pre>{@code
 * java -jar jobs/target/streamrt-jobs.jar sql -f classify.sql
 * }</pre>
 */
@Command(name = "sql", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Runs a Flink SQL script (CREATE MODEL ... 'provider' = 'streamrt', ML_PREDICT) on a local "
                + "mini cluster; prints each query's rows as a table.")
public final class SqlCommand implements Callable<Integer> {

    /** {@code SET 'key' = 'value'}, as Flink's SQL client takes it (the table API itself does not). */
    private static final Pattern SET = Pattern.compile("(?is)SET\\s+'((?:[^']|'')+)'\\s*=\\s*'((?:[^']|'')*)'");

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-f", "--file"}, required = true, paramLabel = "SCRIPT",
            description = "The SQL script: statements separated by semicolons.")
    Path file;

    @Option(names = "--parallelism", paramLabel = "N", defaultValue = "1",
            description = "Default parallelism of the statements' jobs. Default: ${DEFAULT-VALUE}.")
    int parallelism;

    @Option(names = "--max-rows", paramLabel = "N", defaultValue = "1000",
            description = "Most rows of a query to print; a longer (or endless) query is cancelled after them. "
                    + "Default: ${DEFAULT-VALUE}.")
    int maxRows;

    @Override
    public Integer call() throws Exception {
        InferenceFlags.atLeast(spec.commandLine(), "--parallelism", parallelism, 1);
        InferenceFlags.atLeast(spec.commandLine(), "--max-rows", maxRows, 1);
        if (!Files.isRegularFile(file)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--file " + file + " is not a file");
        }
        List<String> statements;
        try {
            statements = SqlScript.statements(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), file + ": " + e.getMessage());
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(parallelism);
        return run(StreamTableEnvironment.create(env), statements, spec.commandLine().getOut(),
                spec.commandLine().getErr(), maxRows);
    }

    /**
     * Runs statements in order and stops at the first that fails, saying which.
     *
     * @return 0 when every statement succeeded, else 1
     */
    public static int run(StreamTableEnvironment tables, List<String> statements, PrintWriter out, PrintWriter err,
            int maxRows) throws Exception {
        for (int n = 0; n < statements.size(); n++) {
            String statement = statements.get(n);
            try {
                Matcher set = SET.matcher(statement);
                if (set.matches()) {
                    tables.getConfig().set(set.group(1).replace("''", "'"), set.group(2).replace("''", "'"));
                    out.println("OK: " + firstLine(statement));
                    out.flush();
                    continue;
                }
                TableResult result = tables.executeSql(statement);
                if (isQuery(statement)) {
                    printTable(result, out, maxRows);
                } else if (result.getJobClient().isPresent() && !attached(tables)) {
                    // flink run -d, or a REST submission: the job runs on; the script goes on without waiting.
                    out.println("Job " + result.getJobClient().get().getJobID() + " submitted: " + firstLine(statement));
                } else if (result.getJobClient().isPresent()) {
                    result.await(); // INSERT and statement sets: their jobs end before the next statement
                    out.println("Job " + result.getJobClient().get().getJobID() + " finished: " + firstLine(statement));
                } else if (result.getResultKind() == ResultKind.SUCCESS_WITH_CONTENT) {
                    printTable(result, out, maxRows); // SHOW, DESCRIBE, EXPLAIN
                } else {
                    out.println("OK: " + firstLine(statement));
                }
                out.flush();
            } catch (Exception e) {
                out.flush();
                err.println("streamrt sql: statement " + (n + 1) + " of " + statements.size() + " failed: "
                        + firstLine(statement));
                err.println(StreamRtCli.describe(e));
                err.flush();
                return 1;
            }
        }
        return 0;
    }

    /** Whether jobs are submitted attached (a local run, {@code flink run} without {@code -d}): then waited for. */
    private static boolean attached(StreamTableEnvironment tables) {
        return tables.getConfig().getRootConfiguration().get(DeploymentOptions.ATTACHED);
    }

    private static boolean isQuery(String statement) {
        String start = statement.stripLeading().toUpperCase(Locale.ROOT);
        return start.startsWith("SELECT") || start.startsWith("WITH") || start.startsWith("VALUES");
    }

    /**
     * The rows as a table: a header of column names, one line per row, and the count. A query whose result changes
     * (an aggregate in streaming mode) gets a first column {@code op} with each row's change ({@code +I}, {@code -U},
     * {@code +U}, {@code -D}), as Flink's SQL client shows it.
     */
    static void printTable(TableResult result, PrintWriter out, int maxRows) throws Exception {
        List<Row> rows = new ArrayList<>();
        boolean cut = false;
        try (CloseableIterator<Row> it = result.collect()) {
            while (it.hasNext()) {
                if (rows.size() == maxRows) {
                    cut = true;
                    break;
                }
                rows.add(it.next());
            }
        }
        boolean changelog = rows.stream().anyMatch(row -> row.getKind() != RowKind.INSERT);
        List<String> names = new ArrayList<>(result.getResolvedSchema().getColumnNames());
        if (changelog) {
            names.add(0, "op");
        }
        List<String[]> cells = new ArrayList<>();
        for (Row row : rows) {
            String[] line = new String[names.size()];
            int first = changelog ? 1 : 0;
            if (changelog) {
                line[0] = row.getKind().shortString();
            }
            for (int i = first; i < line.length; i++) {
                line[i] = cell(row.getField(i - first));
            }
            cells.add(line);
        }
        int[] widths = new int[names.size()];
        for (int i = 0; i < widths.length; i++) {
            widths[i] = names.get(i).length();
            for (String[] line : cells) {
                widths[i] = Math.max(widths[i], line[i].length());
            }
        }
        String rule = Arrays.stream(widths).mapToObj(w -> "-".repeat(w + 2)).reduce("+", (a, b) -> a + b + "+");
        out.println(rule);
        out.println(line(names.toArray(new String[0]), widths));
        out.println(rule);
        cells.forEach(line -> out.println(line(line, widths)));
        out.println(rule);
        out.println(cells.size() + (cells.size() == 1 ? " row" : " rows") + (changelog ? " (changes)" : "")
                + (cut ? " (--max-rows reached; the query was cancelled)" : ""));
    }

    private static String line(String[] cells, int[] widths) {
        StringBuilder line = new StringBuilder("|");
        for (int i = 0; i < cells.length; i++) {
            line.append(' ').append(cells[i]).append(" ".repeat(widths[i] - cells[i].length())).append(" |");
        }
        return line.toString();
    }

    /** A value as SQL clients show it: NULL, arrays in brackets, long values cut. */
    private static String cell(Object value) {
        String text;
        if (value == null) {
            text = "NULL";
        } else if (value instanceof Object[] array) {
            text = Arrays.deepToString(array);
        } else {
            text = String.valueOf(value);
        }
        text = text.replaceAll("\\s+", " ");
        return text.length() > 60 ? text.substring(0, 57) + "..." : text;
    }

    private static String firstLine(String statement) {
        String flat = statement.replaceAll("\\s+", " ").trim();
        return flat.length() > 80 ? flat.substring(0, 77) + "..." : flat;
    }
}
