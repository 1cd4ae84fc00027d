package io.streamrt.operators.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import org.junit.jupiter.api.Test;

class BusyWindowTest {

    private static final long S = 1_000_000_000L;

    @Test
    void readingDoesNotChangeWhatTheNextReaderSees() {
        BusyWindow busy = new BusyWindow(1, 0);
        busy.add(2 * S, S);
        double first = busy.fraction(4 * S);
        // Every subtask of a TaskManager and every reporter reads the same gauge: all must see the same share.
        for (int reader = 0; reader < 5; reader++) {
            assertThat(busy.fraction(4 * S)).isEqualTo(first);
        }
        assertThat(first).isCloseTo(0.25, offset(1e-9));
    }

    @Test
    void countsPerWorkerAndForgetsWhatLeftTheWindow() {
        BusyWindow busy = new BusyWindow(2, 0);
        for (int s = 1; s <= 30; s++) {
            busy.add(s * S, S); // one of the two workers busy all the time
        }
        assertThat(busy.fraction(30 * S)).isCloseTo(0.5, offset(0.06));
        for (int s = 31; s <= 60; s++) {
            busy.add(s * S, 2 * S); // both busy
        }
        assertThat(busy.fraction(60 * S)).isCloseTo(1.0, offset(0.1));
        assertThat(busy.fraction(60 * S + 11 * S)).as("nothing ran for 11 s").isZero();
    }

    @Test
    void staysWithinZeroAndOne() {
        BusyWindow busy = new BusyWindow(1, 0);
        assertThat(busy.fraction(0)).isZero();
        busy.add(S / 2, 5 * S); // a batch longer than the time since start
        assertThat(busy.fraction(S / 2)).isEqualTo(1.0);
    }
}
