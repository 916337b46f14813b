package dev.quiver.admission.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.configfile.ConfigProblem;
import dev.quiver.configfile.DurationText;
import dev.quiver.configfile.InvalidConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlansFileTest {

    private static final PlanDefaults DEFAULTS = new PlanDefaults(60, 10, 2, 5000, 200, 3, 4, Duration.ofSeconds(2));

    @TempDir
    Path dir;

    @Test
    void theDefaultsGiveAnonymousItsHourlyQuotaAndABurst() {
        Plans plans = DEFAULTS.plans();
        Plan anonymous = plans.get(Plans.ANONYMOUS);
        assertThat(anonymous.limits()).containsExactly(new Limit("hourly", 60, 60, Duration.ofHours(1)),
                new Limit("burst", 10, 10, Duration.ofMinutes(1)));
        assertThat(anonymous.concurrency()).isEqualTo(2);
        assertThat(plans.get(PlanDefaults.STANDARD).concurrency()).isEqualTo(3);
        assertThat(plans.get(Plans.EVENTS).rateLimited()).isFalse();
    }

    @Test
    void aFileAddsPlansAndReplacesDefaultsByName() throws Exception {
        Plans plans = read("""
                version: 3
                default-plan: pro
                plans:
                  anonymous:
                    limits: [{name: hourly, capacity: 30, per: 1h}]
                  pro:
                    limits:
                      - {name: daily, capacity: 100000, refill: 100000, per: 1d}
                    concurrency: 8
                    queue-timeout: 500ms
                    costs: {ocr: item, digits: element}
                """);
        assertThat(plans.version()).isEqualTo(3);
        assertThat(plans.authenticatedDefault()).isEqualTo("pro");
        assertThat(plans.get("anonymous").limits()).containsExactly(new Limit("hourly", 30, 30, Duration.ofHours(1)));
        assertThat(plans.get("anonymous").concurrency()).as("kept from the default").isEqualTo(2);
        Plan pro = plans.get("pro");
        assertThat(pro.queueTimeout()).isEqualTo(Duration.ofMillis(500));
        assertThat(pro.extraCost("ocr", 256, 256 * 27648)).isEqualTo(255);
        assertThat(pro.extraCost("digits", 2, 128)).isEqualTo(127);
        assertThat(pro.extraCost("other", 256, 1)).isZero();
    }

    @Test
    void errorsNameTheFieldAndWhatWasExpected() throws Exception {
        assertThatThrownBy(() -> read("plans: {pro: {limits: [{name: hourly, capacity: 0, per: 1h}]}}"))
                .hasMessageContaining("line 1, plans.pro.limits[0].capacity: expected a whole number from 1, got 0");
        assertThatThrownBy(() -> read("plans: {pro: {limits: [{name: hourly, capacity: 5, per: soon}]}}"))
                .hasMessageContaining("line 1, plans.pro.limits[0].per: expected a positive duration such as "
                        + DurationText.FORMS + ", got \"soon\"");
        assertThatThrownBy(() -> read("plans: {pro: {limts: []}}"))
                .hasMessageContaining("line 1, plans.pro.limts: unknown setting; expected one of concurrency, costs, "
                        + "limits, queue, queue-timeout");
        assertThatThrownBy(() -> read("plans: {pro: {costs: {ocr: pixels}}}"))
                .hasMessageContaining("plans.pro.costs.ocr: 'pixels' is not one of request, item, element");
        assertThatThrownBy(() -> read("default-plan: gold\n"))
                .hasMessageContaining("default-plan: 'gold' is not a plan");
        assertThatThrownBy(() -> read("plans: {Pro: {}}"))
                .hasMessageContaining("plans.Pro: a plan name is lower-case");
    }

    @Test
    void anInvalidChangeKeepsThePlansInForce() throws Exception {
        Path file = dir.resolve("plans.yaml");
        Files.writeString(file, "plans: {pro: {limits: [{name: hourly, capacity: 5, per: 1h}]}}");
        PlanCatalog catalog = new PlanCatalog(Optional.of(file), DEFAULTS);
        Files.writeString(file, "plans: {pro: {limits: [{name: hourly, capacity: -5, per: 1h}]}}\n# changed");
        assertThat(catalog.reloadIfChanged()).isFalse();
        assertThat(catalog.current().get("pro").limits().getFirst().capacity()).isEqualTo(5);
    }

    private Plans read(String yaml) throws Exception {
        Path file = dir.resolve("plans-" + System.nanoTime() + ".yaml");
        Files.writeString(file, yaml);
        return PlansFile.read(file, DEFAULTS);
    }

    @Test
    void everyMistakeOfAFileIsReportedAtOnceWithItsLine() throws Exception {
        assertThatThrownBy(() -> read("""
                version: 0
                plans:
                  pro:
                    limits:
                      - {name: hourly, capacity: 5, per: 1h}
                      - {name: hourly, capacity: 0, per: 1m30s}
                    queue-timeout: forever
                    costs: {ocr: pixels}
                """)).isInstanceOf(InvalidConfigException.class)
                .satisfies(thrown -> assertThat(((InvalidConfigException) thrown).problems())
                        .extracting(ConfigProblem::toString).containsExactly(
                                "line 1, version: expected a whole number from 1, got 0",
                                "line 6, plans.pro.limits[1].capacity: expected a whole number from 1, got 0",
                                "line 7, plans.pro.queue-timeout: expected a positive duration such as "
                                        + DurationText.FORMS + ", got \"forever\"",
                                "line 8, plans.pro.costs.ocr: 'pixels' is not one of request, item, element"));
    }

    @Test
    void aPeriodReadsTheOneDurationGrammar() throws Exception {
        Plans plans = read("plans: {pro: {limits: [{name: a, capacity: 5, per: 1m30s}, {name: b, capacity: 5, "
                + "per: PT1M30S}, {name: c, capacity: 5, per: 1.5m}]}}");

        assertThat(plans.get("pro").limits()).extracting(Limit::period).containsOnly(Duration.ofSeconds(90));
    }

    @Test
    void aLimitNameUsedTwiceIsNamedAtItsLine() throws Exception {
        assertThatThrownBy(() -> read("""
                plans:
                  pro:
                    limits:
                      - {name: hourly, capacity: 5, per: 1h}
                      - name: hourly
                        capacity: 6
                        per: 1h
                """)).hasMessageContaining("line 5, plans.pro.limits[1].name: 'hourly' is used twice");
    }
}
