package io.streamrt.engine.internal.tensorrt;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The native delete helper, without TensorRT: it is in the jar for this machine (built with gcc), loads, and its
 * delete path runs a stand-in object's deleting destructor (the vtable's second entry, as C++ {@code delete} does
 * for an {@code INoCopy}) once and its complete-object destructor never.
 */
class NativeDeleteTest {

    @Test
    void theHelperLoadsAndDeletesThroughTheDeletingDestructor() {
        Assumptions.assumeTrue(System.getProperty("os.name").equals("Linux"), "the helper is built on Linux only");

        assertThat(NativeDelete.unavailableReason()).as("built with gcc for %s", NativeDelete.resource()).isNull();
        assertThat(NativeDelete.available()).isTrue();
        assertThat(NativeDelete.selfTest()).isEqualTo(1);
    }

    @Test
    void aNullPointerIsLeftAlone() {
        NativeDelete.deleteNoCopy(new org.bytedeco.javacpp.Pointer());
        NativeDelete.deleteNoCopy(null);
    }
}
