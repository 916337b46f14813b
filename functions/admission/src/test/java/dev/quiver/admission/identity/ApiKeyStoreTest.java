package dev.quiver.admission.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.configfile.ConfigProblem;
import dev.quiver.configfile.InvalidConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApiKeyStoreTest {

    @TempDir
    Path dir;

    /**
     * About one key in 140 has an id that YAML reads as a number unless it is quoted: decimal digits only (one in 280),
     * or decimal digits around one {@code e}, an exponent (one in 280 more).
     */
    @Test
    void anEntryAsIssuedIsReadBackWhateverItsIdAndOwnerLookLike() throws Exception {
        ApiKey.Issued digitsOnly = issueUntil(issued -> issued.stored().id().matches("[0-9]{12}"));
        ApiKey.Issued exponent = issueUntil(issued -> issued.stored().id().matches("[0-9]+e[0-9]+"));
        ApiKey.Issued other = ApiKey.issue("premium", "yes", true);
        ApiKey.Issued quoting = ApiKey.issue("standard", "team \"a\\b\"", false);
        Path file = Files.writeString(dir.resolve("keys.yaml"), "keys:\n" + KeyStoreEntry.of(digitsOnly.stored())
                + KeyStoreEntry.of(exponent.stored()) + KeyStoreEntry.of(other.stored())
                + KeyStoreEntry.of(quoting.stored()));

        ApiKeyStore store = new ApiKeyStore(Optional.of(file));

        assertThat(store.verify(digitsOnly.key())).hasValue(digitsOnly.stored());
        assertThat(store.verify(exponent.key())).hasValue(exponent.stored());
        assertThat(store.verify(other.key())).hasValueSatisfying(key -> {
            assertThat(key.owner()).isEqualTo("yes");
            assertThat(key.admin()).isTrue();
        });
        assertThat(store.verify(quoting.key())).map(ApiKey::owner).hasValue("team \"a\\b\"");
    }

    @Test
    void anIdThatYamlReadsAsANumberIsNamedWithItsFix() throws Exception {
        ApiKey.Issued issued = ApiKey.issue("standard", "", false);
        for (String id : List.of("123456789012", "5263e7679189")) {
            Path file = Files.writeString(dir.resolve("keys.yaml"), "keys:\n  - id: " + id + "\n    salt: \""
                    + issued.stored().salt() + "\"\n    hash: \"" + issued.stored().hash()
                    + "\"\n    plan: standard\n");

            assertThatThrownBy(() -> new ApiKeyStore(Optional.of(file)))
                    .hasMessage("key store " + file + " is invalid: line 2, keys[0].id: expected text in quotes; YAML "
                            + "read " + id + " as a number (write \"" + id + "\" if that is it)");
        }
    }

    @Test
    void aMisspeltFieldAndAKeyListedTwiceAreReportedTogether() throws Exception {
        ApiKey.Issued issued = ApiKey.issue("standard", "", false);
        String entry = KeyStoreEntry.of(issued.stored());
        Path file = Files.writeString(dir.resolve("keys.yaml"), "keys:\n" + entry + entry
                + "    admn: true\n");

        assertThatThrownBy(() -> new ApiKeyStore(Optional.of(file)))
                .isInstanceOf(InvalidConfigException.class)
                .satisfies(thrown -> assertThat(((InvalidConfigException) thrown).problems())
                        .extracting(ConfigProblem::toString).containsExactly(
                                "line 6, keys[1].id: " + issued.stored().id() + " is listed twice",
                                "line 10, keys[1].admn: unknown setting; expected one of id, salt, hash, plan, owner, "
                                        + "admin"));
    }

    private static ApiKey.Issued issueUntil(Predicate<ApiKey.Issued> wanted) {
        for (int i = 0; i < 100_000; i++) {
            ApiKey.Issued issued = ApiKey.issue("standard", "team-a", false);
            if (wanted.test(issued)) {
                return issued;
            }
        }
        throw new AssertionError("no such key in 100,000 issued");
    }
}
