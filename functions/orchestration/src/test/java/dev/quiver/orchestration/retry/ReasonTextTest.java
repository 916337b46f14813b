package dev.quiver.orchestration.retry;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ReasonTextTest {

    @Test
    void sizesInTheLargestBinaryUnitBelowThem() {
        assertThat(ReasonText.bytes(512)).isEqualTo("512 B");
        assertThat(ReasonText.bytes(1536)).isEqualTo("1.5 KiB");
        assertThat(ReasonText.bytes(256L * 1024 * 1024)).isEqualTo("256 MiB");
        assertThat(ReasonText.bytes(8L * 1024 * 1024 * 1024)).isEqualTo("8 GiB");
        assertThat(ReasonText.bytes(1127170048L)).as("just past 1 GiB").isEqualTo("1.05 GiB");
    }

    @Test
    void durationsInSecondsMinutesOrHours() {
        assertThat(ReasonText.duration(Duration.ZERO)).isEqualTo("0 s");
        assertThat(ReasonText.duration(Duration.ofMillis(7_250))).isEqualTo("7.3 s");
        assertThat(ReasonText.duration(Duration.ofSeconds(90))).isEqualTo("1.5 min");
        assertThat(ReasonText.duration(Duration.ofMinutes(30))).isEqualTo("30 min");
        assertThat(ReasonText.duration(Duration.ofHours(50))).isEqualTo("50 h");
    }

    @Test
    void metricValuesToAtLeastTwoDecimalsAndPercentagesToOne() {
        assertThat(ReasonText.value(0.3)).isEqualTo("0.30");
        assertThat(ReasonText.value(0.949)).isEqualTo("0.949");
        assertThat(ReasonText.value(0.00123)).isEqualTo("0.0012");
        assertThat(ReasonText.percent(12)).isEqualTo("12.0%");
    }
}
