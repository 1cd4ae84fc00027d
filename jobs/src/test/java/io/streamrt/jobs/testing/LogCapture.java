package io.streamrt.jobs.testing;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;

/**
 * Every log line of this JVM at INFO and above while it is open (the level a Flink cluster logs at), kept in memory
 * with its logger, message and stack trace; the console keeps the tests' usual WARN. Open around the one run a test
 * inspects: the broker's clients, Flink's mini cluster and the job all log through the same root logger.
 *
 * <pre>{@code
 * try (LogCapture logs = LogCapture.info()) {
 *     Cli.run("enrich", ...);
 *     assertThat(logs.text()).doesNotContain(password);
 * }
 * }</pre>
 */
public final class LogCapture implements AutoCloseable {

    private static final String NAME = "test-capture";

    private final LoggerContext context;
    private final LoggerConfig root;
    private final Level rootLevel;
    private final Map<String, Appender> rootAppenders;
    private final ConcurrentLinkedQueue<String> lines = new ConcurrentLinkedQueue<>();
    private final Appender appender;

    private LogCapture() {
        context = (LoggerContext) LogManager.getContext(false);
        root = context.getConfiguration().getRootLogger();
        rootLevel = root.getLevel();
        rootAppenders = Map.copyOf(root.getAppenders());
        appender = new AbstractAppender(NAME, null, null, true, Property.EMPTY_ARRAY) {
            @Override
            public void append(LogEvent event) {
                StringBuilder line = new StringBuilder().append(event.getLevel()).append(' ')
                        .append(event.getLoggerName()).append(" - ").append(event.getMessage().getFormattedMessage());
                if (event.getThrown() != null) {
                    StringWriter trace = new StringWriter();
                    event.getThrown().printStackTrace(new PrintWriter(trace));
                    line.append('\n').append(trace);
                }
                lines.add(line.toString());
            }
        };
    }

    /** Starts capturing INFO and above. */
    public static LogCapture info() {
        LogCapture capture = new LogCapture();
        capture.appender.start();
        capture.rootAppenders.values().forEach(console -> {
            capture.root.removeAppender(console.getName());
            capture.root.addAppender(console, Level.WARN, null);
        });
        capture.root.addAppender(capture.appender, Level.INFO, null);
        capture.root.setLevel(Level.INFO);
        capture.context.updateLoggers();
        return capture;
    }

    /** The lines captured so far. */
    public List<String> lines() {
        return List.copyOf(lines);
    }

    /** The lines captured so far, one per line. */
    public String text() {
        return String.join("\n", lines);
    }

    /** Stops capturing and puts the root logger back as it was. */
    @Override
    public void close() {
        root.removeAppender(NAME);
        rootAppenders.values().forEach(console -> {
            root.removeAppender(console.getName());
            root.addAppender(console, null, null);
        });
        root.setLevel(rootLevel);
        context.updateLoggers();
        appender.stop();
    }
}
