package dev.quiver.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The tool's command line: help for the tool and each verb, and usage errors, none of which contacts a cluster. */
class CommandLineTest {

    private static final Supplier<KubernetesClient> NO_CLUSTER = () -> {
        throw new AssertionError("neither help nor a usage error needs the cluster");
    };

    @Test
    void helpListsEveryCommandAndTheExitCodes() {
        ToolRun run = ToolRun.run(NO_CLUSTER, "--help");

        assertThat(run.exitCode()).isZero();
        assertThat(run.err()).isEmpty();
        assertThat(run.out()).startsWith("Usage: quiver-deploy [-h] [--namespace=NS] [COMMAND]")
                .contains("  deploy ", "  status ", "  rollout ", "  promote ", "  rollback ", "  judge ",
                        "Exit codes: 0 done, 1 failed, 2 wrong usage.");
    }

    @ParameterizedTest
    @ValueSource(strings = {"deploy", "status", "rollout", "promote", "rollback", "judge"})
    void eachCommandHasItsHelp(String command) {
        ToolRun run = ToolRun.run(NO_CLUSTER, command, "--help");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).startsWith("Usage: quiver-deploy " + command + " [-h]").contains("--namespace=NS");
    }

    @Test
    void helpShowsTheDefaults() {
        ToolRun run = ToolRun.run(NO_CLUSTER, "judge", "-h");

        assertThat(run.out()).containsPattern("--max-error-rate=RATE\\s+The highest share of 5xx answers, from 0 to 1,"
                + " the\\s+canary may have\\.\\s+Default: 0\\.01")
                .containsPattern("--min-requests=N .*\\s+.*\\s+Default: 1\n");
    }

    @Test
    void noCommandIsAUsageError() {
        ToolRun run = ToolRun.run(NO_CLUSTER);

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).startsWith("no command given\nUsage: quiver-deploy");
    }

    @Test
    void aValueOfTheWrongTypeNamesTheOptionAndTheValue() {
        ToolRun run = ToolRun.run(NO_CLUSTER, "judge", "quiver-inference", "--min-requests", "many");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).startsWith("Invalid value for option '--min-requests': 'many' is not a long\n"
                + "Usage: quiver-deploy judge");
    }

    @Test
    void valuesOutOfRangeAreUsageErrors() {
        assertThat(ToolRun.run(NO_CLUSTER, "judge", "quiver-inference", "--max-error-rate", "5").err())
                .startsWith("judge: --max-error-rate must be a fraction from 0 to 1, got 5.0");
        assertThat(ToolRun.run(NO_CLUSTER, "judge", "quiver-inference", "--max-p99-ms", "0").err())
                .startsWith("judge: --max-p99-ms must be a positive number of milliseconds, got 0.0");
        ToolRun noRequests = ToolRun.run(NO_CLUSTER, "judge", "quiver-inference", "--min-requests", "0");
        assertThat(noRequests.exitCode()).isEqualTo(2);
        assertThat(noRequests.err()).startsWith("judge: --min-requests must be at least 1, got 0");
        ToolRun canary = ToolRun.run(NO_CLUSTER, "rollout", "quiver-inference", "--canary", "ten");
        assertThat(canary.exitCode()).isEqualTo(2);
        assertThat(canary.err()).startsWith("Invalid value for option '--canary': must be a percentage from 0% to "
                + "100%, got ten");
    }

    @Test
    void missingAndSurplusArgumentsAreNamed() {
        ToolRun missing = ToolRun.run(NO_CLUSTER, "promote");
        ToolRun surplus = ToolRun.run(NO_CLUSTER, "status", "quiver-inference");
        ToolRun required = ToolRun.run(NO_CLUSTER, "rollout", "quiver-inference");

        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.err()).startsWith("Missing required parameter: 'SERVICE'");
        assertThat(surplus.exitCode()).isEqualTo(2);
        assertThat(surplus.err()).startsWith("Unmatched argument at index 1: 'quiver-inference'");
        assertThat(required.err()).startsWith("Missing required option: '--canary=N%'");
    }
}
