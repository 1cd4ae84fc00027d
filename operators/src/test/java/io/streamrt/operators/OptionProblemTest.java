package io.streamrt.operators;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;

class OptionProblemTest {

    @Test
    void theDefaultsBreakNoRule() {
        assertThat(OptionProblem.of(new Configuration())).isEmpty();
    }

    @Test
    void aValueOutOfItsRangeIsOneProblemWithTheBoundItCrossed() {
        Configuration conf = new Configuration();
        conf.set(InferenceOptions.MAX_BATCH_SIZE, 5000);

        List<OptionProblem> problems = OptionProblem.of(conf);

        assertThat(problems).singleElement().satisfies(problem -> {
            assertThat(problem.option()).isEqualTo(InferenceOptions.MAX_BATCH_SIZE);
            assertThat(problem.found()).isEqualTo("5000");
            assertThat(problem.message()).isEqualTo("max batch size must be in 1..4096, found 5000");
            assertThat(problem.message("--max-batch-size")).isEqualTo("--max-batch-size must be at most 4096, found 5000");
        });
    }

    @Test
    void rulesBetweenOptionsNameBothValues() {
        Configuration conf = new Configuration();
        conf.set(InferenceOptions.LATENCY_TARGET_MS, 200L);
        conf.set(InferenceOptions.TIMEOUT_MS, 150L);
        conf.set(InferenceOptions.TOKEN_BUDGET, 64L);

        assertThat(OptionProblem.of(conf)).extracting(OptionProblem::message).containsExactly(
                "token budget must be 0 (off) or at least the max sequence length 128, found 64",
                "timeout (150 ms) must be longer than the latency target (200 ms)");
        assertThat(OptionProblem.of(conf).get(1).message("--timeout-ms"))
                .isEqualTo("--timeout-ms must be longer than the latency target (200 ms), found 150");
    }

    @Test
    void labelsMustBeDistinctAndNotBlank() {
        Configuration conf = new Configuration();
        conf.set(InferenceOptions.LABELS, List.of("sports", " "));
        assertThat(OptionProblem.of(conf)).extracting(OptionProblem::message)
                .containsExactly("labels must not be blank, found [sports,  ]");

        conf.set(InferenceOptions.LABELS, List.of("sports", "sports"));
        assertThat(OptionProblem.of(conf)).extracting(OptionProblem::message)
                .containsExactly("labels must be distinct, found [sports, sports]");
    }

    @Test
    void theDocsSayWhatEachRuleAccepts() {
        assertThat(OptionProblem.accepted(InferenceOptions.MAX_SEQUENCE_LENGTH)).hasValue("3..8192 tokens");
        assertThat(OptionProblem.accepted(InferenceOptions.TIMEOUT_MS)).hasValue("longer than the latency target");
        assertThat(OptionProblem.accepted(InferenceOptions.MODEL)).isEmpty();
    }
}
