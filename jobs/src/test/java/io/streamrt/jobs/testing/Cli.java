package io.streamrt.jobs.testing;

import io.streamrt.jobs.StreamRtCli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Runs the command line as a user does, in this JVM, capturing what it prints.
 *
 * <pre>{@code
 * Cli.Run run = Cli.run("model", "inspect", "builtin:all-minilm-l6-v2", "--json");
 * assertThat(run.exit()).as(run.toString()).isZero();
 * }</pre>
 */
public final class Cli {

    /** What one run gave: the exit code and what went to stdout and stderr. */
    public record Run(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
        }
    }

    private Cli() {}

    /** Runs {@code args} with System.out and System.err captured (one run at a time: they are global). */
    public static synchronized Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        PrintStream stderr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        int exit;
        try {
            exit = StreamRtCli.execute(args);
        } finally {
            System.setOut(stdout);
            System.setErr(stderr);
        }
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
