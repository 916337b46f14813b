package dev.quiver.admission.identity;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code ./quiver new-key}: what it prints is a key and the entry that lets the key store accept it. */
class ApiKeyIssuerTest {

    @TempDir
    Path dir;

    @Test
    void theEntryItPrintsMakesTheKeyStoreAcceptTheKeyItPrints() throws Exception {
        Run run = Run.of("--plan", "premium", "--owner", "team-vision", "--admin");

        assertThat(run.exitCode()).as(run.err()).isZero();
        List<String> lines = run.out().lines().toList();
        assertThat(lines.get(0)).isEqualTo("key (give it to the caller; it is not stored anywhere):");
        String key = lines.get(1).strip();
        assertThat(lines.get(2)).isEqualTo("entry for the key store (quiver.admission.keys-file):");
        Path file = Files.writeString(dir.resolve("keys.yaml"),
                "keys:\n" + String.join("\n", lines.subList(3, lines.size())) + "\n");

        assertThat(new ApiKeyStore(Optional.of(file)).verify(key)).hasValueSatisfying(stored -> {
            assertThat(stored.plan()).isEqualTo("premium");
            assertThat(stored.owner()).isEqualTo("team-vision");
            assertThat(stored.admin()).isTrue();
        });
        assertThat(run.out()).doesNotContain("secret");
    }

    @Test
    void withoutOptionsTheKeyIsOnTheStandardPlanWithoutOwnerNorAdmin() {
        Run run = Run.of();

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("    plan: \"standard\"\n").doesNotContain("owner:", "admin:");
    }

    @Test
    void helpShowsTheOptionsAndTheirDefaults() {
        Run run = Run.of("--help");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).startsWith("Usage: quiver new-key [-h] [--admin] [--owner=LABEL] [--plan=NAME]")
                .containsPattern("--plan=NAME\\s+The plan whose limits the key's caller gets\\.\\s+Default: standard");
    }

    @Test
    void badArgumentsAreUsageErrorsAndIssueNothing() {
        Run unknown = Run.of("--plan", "standard", "--owners", "x");
        Run missingValue = Run.of("--plan");
        Run blank = Run.of("--plan", " ");

        assertThat(List.of(unknown, missingValue, blank)).extracting(Run::exitCode).containsOnly(2);
        assertThat(unknown.err()).startsWith("Unknown options: '--owners', 'x'\nPossible solutions: --owner");
        assertThat(missingValue.err()).startsWith("Missing required parameter for option '--plan' (NAME)");
        assertThat(blank.err()).startsWith("--plan must name a plan, got ' '");
        assertThat(unknown.out() + missingValue.out() + blank.out()).isEmpty();
    }

    private record Run(int exitCode, String out, String err) {

        static Run of(String... args) {
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            int code = new CommandLine(new ApiKeyIssuer()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err))
                    .execute(args);
            return new Run(code, out.toString(), err.toString());
        }
    }
}
