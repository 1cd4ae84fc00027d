package io.streamrt.engine.internal.tensorrt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Two engines failing at once on two threads each quote their own TensorRT errors. */
class RecentErrorsTest {

    @Test
    void eachThreadTakesOnlyTheErrorsLoggedOnIt() throws Exception {
        RecentErrors errors = new RecentErrors(8);
        CyclicBarrier bothLogged = new CyclicBarrier(2);
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            Future<List<String>> a = threads.submit(() -> failOn(errors, "engine A", bothLogged));
            Future<List<String>> b = threads.submit(() -> failOn(errors, "engine B", bothLogged));

            assertThat(a.get(30, TimeUnit.SECONDS)).containsExactly("engine A: error 0", "engine A: error 1");
            assertThat(b.get(30, TimeUnit.SECONDS)).containsExactly("engine B: error 0", "engine B: error 1");
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void keepsTheNewestLinesAndClearsWhatWasTaken() {
        RecentErrors errors = new RecentErrors(2);
        errors.add("first");
        errors.add("second");
        errors.add("third");

        assertThat(errors.take()).containsExactly("second", "third");
        assertThat(errors.take()).isEmpty();
        assertThatThrownBy(() -> new RecentErrors(0)).hasMessageContaining("at least 1");
    }

    private static List<String> failOn(RecentErrors errors, String engine, CyclicBarrier bothLogged) {
        try {
            errors.add(engine + ": error 0");
            bothLogged.await();
            errors.add(engine + ": error 1");
            bothLogged.await();
            return errors.take();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
