package io.streamrt.jobs.bench;

/**
 * Closes a benchmark's resources in the order given, every one even where an earlier one fails: the first failure
 * is thrown, the later ones ride along as suppressed.
 *
 * <pre>{@code
 * Closing.inOrder(() -> reader.close(Duration.ofSeconds(5)), () -> producer.close(Duration.ofSeconds(5)));
 * }</pre>
 */
final class Closing {

    private Closing() {}

    static void inOrder(Runnable... closes) {
        RuntimeException failure = null;
        for (Runnable close : closes) {
            try {
                close.run();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
