package io.streamrt.jobs;

/**
 * A command that failed where Flink runs the jar's main ({@code flink run}, the REST API, application mode): its
 * message is what the command printed, e.g. {@code Unknown option: '--batch'}, which Flink hands to the submitter
 * (the client's console, the REST error response).
 *
 * <pre>{@code
 * try {
 *     StreamRtCli.run("enrich", "--batch", "3");
 * } catch (CommandFailedException e) {
 *     int status = e.exitCode(); // 2: bad usage
 * }
 * }</pre>
 */
public final class CommandFailedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int exitCode;

    /**
     * @param exitCode what {@code java -jar} would have exited with: 2 bad usage, 1 failure
     * @param cause the exception the command threw, or null where it returned a failing status itself
     */
    public CommandFailedException(int exitCode, String message, Throwable cause) {
        super("streamrt exit status " + exitCode + ": " + message, cause);
        this.exitCode = exitCode;
    }

    /** 2 for bad usage (a flag, a value, a model or a broker that cannot work), 1 for a failure while running. */
    public int exitCode() {
        return exitCode;
    }
}
