package io.streamrt.serde;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class KafkaRecordTest {

    private static KafkaRecord withKey(byte[] key) {
        return KafkaRecord.of("texts", 3, 42L, 0L, key, "{\"text\":\"secret words\"}".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aRecordIsDescribedByItsCoordinatesAndKeyNeverItsValue() {
        assertThat(withKey("order-17".getBytes(StandardCharsets.UTF_8)).describe())
                .isEqualTo("texts-3@42 (key \"order-17\")");
        assertThat(withKey(null).describe()).isEqualTo("texts-3@42 (no key)");
        assertThat(withKey(new byte[] {0, (byte) 0xff, 0x10}).describe()).isEqualTo("texts-3@42 (key 0x00ff10)");
        assertThat(withKey("x".repeat(100).getBytes(StandardCharsets.UTF_8)).describe())
                .isEqualTo("texts-3@42 (key \"" + "x".repeat(64) + "...\")");
        assertThat(withKey("line\nbreak".getBytes(StandardCharsets.UTF_8)).describe()).startsWith("texts-3@42 (key 0x6c69");
        assertThat(withKey("k".getBytes(StandardCharsets.UTF_8)).describe()).doesNotContain("secret");
    }
}
