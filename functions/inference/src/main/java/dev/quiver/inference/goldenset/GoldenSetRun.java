package dev.quiver.inference.goldenset;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.quiver.inference.validation.GateReport;
import java.time.Instant;
import java.util.List;

/**
 * One scheduled run of a version's golden set.
 *
 * @param passRate the share of golden inputs whose answers were within tolerance and kept the output ranges
 * @param checks   each golden input (and {@code not_constant} rule) with its outcome and, when failed, why
 * @param error    why the run could not be made at all (its {@code validation.json} unreadable, the version busy)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record GoldenSetRun(Instant at, boolean passed, @JsonProperty("pass_rate") double passRate,
                           @JsonProperty("duration_ms") double durationMs, List<GateReport.Check> checks,
                           String error) {

    public GoldenSetRun {
        checks = checks == null ? List.of() : List.copyOf(checks);
    }

    static GoldenSetRun of(Instant at, GateReport report, long nanos) {
        long passed = report.checks().stream().filter(GateReport.Check::passed).count();
        double rate = report.checks().isEmpty() ? 1 : (double) passed / report.checks().size();
        return new GoldenSetRun(at, report.passed(), rate, nanos / 1e6, report.checks(), null);
    }

    static GoldenSetRun failed(Instant at, String error, long nanos) {
        return new GoldenSetRun(at, false, 0, nanos / 1e6, List.of(), error);
    }

    /** What failed, in words. */
    String failures() {
        if (error != null) {
            return error;
        }
        return String.join("; ", checks.stream().filter(c -> !c.passed()).map(GateReport.Check::detail).toList());
    }
}
