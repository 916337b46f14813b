package dev.quiver.configfile;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Every form any Quiver file accepted before there was one grammar, and what none accepts. */
class DurationTextTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "250ms,     PT0.25S",
            "90s,       PT1M30S",
            "1m30s,     PT1M30S",
            "30m,       PT30M",
            "2h,        PT2H",
            "1.5h,      PT1H30M",
            "1h2m3s,    PT1H2M3S",
            "14d,       PT336H",
            "1500us,    PT0.0015S",
            "1500µs,    PT0.0015S",
            "10ns,      PT0.00000001S",
            ".5s,       PT0.5S",
            "0s,        PT0S",
            "PT2H,      PT2H",
            "PT1M30S,   PT1M30S",
            "PT0.25S,   PT0.25S",
            "P2DT3H,    PT51H",
            "pt90s,     PT1M30S",
            "' 1h ',    PT1H",
    })
    void readsGoNotationAndIso8601(String text, Duration expected) {
        assertThat(DurationText.parse(text)).contains(expected);
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {"", " ", "10", "10 s", "ten seconds", "-1s", "1x", "s", "1h 30m", "1m30", "-PT1S",
            "PT-1S", "P", "1e3s", "300000000d", "PT9999999999999999H"})
    void refusesWhatIsNotANonNegativeDurationOfAtMostLongMaxNanoseconds(String text) {
        assertThat(DurationText.parse(text)).isEmpty();
    }
}
