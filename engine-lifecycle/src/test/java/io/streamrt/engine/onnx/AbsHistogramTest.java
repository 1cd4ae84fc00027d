package io.streamrt.engine.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** The calibration histogram: percentiles stay right while the range grows batch by batch. */
class AbsHistogramTest {

    @Test
    void percentilesSurviveTheRangeGrowing() {
        AbsHistogram histogram = new AbsHistogram(1024);
        float[] small = new float[1000];
        for (int i = 0; i < small.length; i++) {
            small[i] = (i % 2 == 0 ? 1 : -1) * (i + 1) / 1000f; // |x| uniform in (0, 1]
        }
        histogram.add(small, 0, small.length);
        histogram.add(new float[] {-100f}, 0, 1); // one outlier: the range grows 100x

        assertThat(histogram.total()).isEqualTo(1001);
        assertThat(histogram.max()).isEqualTo(100f);
        assertThat(histogram.percentile(100)).isEqualTo(100f);
        // Half the values lie below 0.5; the bin width after growing is ~0.2.
        assertThat(histogram.percentile(50)).isCloseTo(0.5f, within(0.25f));
        assertThat(histogram.percentile(99)).isLessThanOrEqualTo(1.25f);
    }

    @Test
    void nonFiniteActivationsAreRefused() {
        AbsHistogram histogram = new AbsHistogram(16);
        assertThatThrownBy(() -> histogram.add(new float[] {1f, Float.NaN}, 0, 2))
                .hasMessageContaining("non-finite");
    }
}
