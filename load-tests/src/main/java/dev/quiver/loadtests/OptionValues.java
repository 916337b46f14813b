package dev.quiver.loadtests;

import java.time.Duration;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** The benchmarks' typed option values; one out of range is a usage error that says the bound and the value. */
final class OptionValues {

    private OptionValues() {
    }

    /** A whole number from 1: rounds, threads, a concurrency. */
    static final class PositiveInteger implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            return (int) atLeast(1, value, "a whole number");
        }
    }

    /** Whole seconds from 0: a warm-up or an idle time. */
    static final class Seconds implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            return Duration.ofSeconds(atLeast(0, value, "whole seconds"));
        }
    }

    /** Whole seconds from 1: how long a measurement lasts. */
    static final class PositiveSeconds implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            return Duration.ofSeconds(atLeast(1, value, "whole seconds"));
        }
    }

    /** Whole microseconds from 0: a delay. */
    static final class Micros implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            return Duration.ofNanos(1000 * atLeast(0, value, "whole microseconds"));
        }
    }

    private static long atLeast(long least, String value, String what) {
        try {
            long number = Integer.parseInt(value.strip());
            if (number >= least) {
                return number;
            }
        } catch (NumberFormatException e) {
            // falls through to the error below, which quotes the value
        }
        throw new TypeConversionException("expected " + what + " from " + least + ", got '" + value + "'");
    }
}
