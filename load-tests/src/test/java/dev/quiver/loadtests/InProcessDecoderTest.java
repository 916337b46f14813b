package dev.quiver.loadtests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.buffer.Buffer;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The JSON decoder alone, on the benchmark's own request: what it measures and what it refuses to measure. */
class InProcessDecoderTest {

    @Test
    void decodesTheBenchmarksJsonImageBackToBackOneImageADecode() {
        InProcessDecoder decoder = new InProcessDecoder(Payloads.ocrJson("x", Payloads.ocrImage()),
                Payloads.OCR_SHAPE);

        LatencyStats stats = decoder.run(Duration.ZERO, Duration.ofMillis(200));

        assertThat(stats.requests()).isPositive();
        assertThat(stats.items()).isEqualTo(stats.requests());
        assertThat(stats.errors()).isZero();
        assertThat(stats.p50Micros()).isPositive();
    }

    @Test
    void aRequestWithoutADataArrayIsRefusedByName() {
        assertThatThrownBy(() -> new InProcessDecoder(Buffer.buffer("{\"inputs\":[]}"), Payloads.OCR_SHAPE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no \"data\":[ array");
    }

    @Test
    void anArrayThatDoesNotFitTheShapeIsRefused() {
        assertThatThrownBy(() -> new InProcessDecoder(Buffer.buffer("{\"data\":[1.5,2.5]}"), Payloads.OCR_SHAPE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[1, 3, 48, 192]");
    }
}
