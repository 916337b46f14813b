package dev.quiver.orchestration.builtin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LabelledRowsTest {

    @TempDir
    Path folder;

    @Test
    void theLabelIsTakenFromItsColumnAndTheRestAreFeatures() throws IOException {
        Path file = csv("1,2,7\n\n3.5,4,0\n");

        LabelledRows last = LabelledRows.read(file, -1);
        assertThat(last.size()).isEqualTo(2);
        assertThat(last.labels()).containsExactly(7, 0);
        assertThat(last.features().get(1)).containsExactly(3.5f, 4f);

        LabelledRows first = LabelledRows.read(csv("7,1,2\n0,3,4\n"), 0);
        assertThat(first.labels()).containsExactly(7, 0);
        assertThat(first.features().getFirst()).containsExactly(1f, 2f);
    }

    @Test
    void aBadValueIsNamedByLineAndColumn() throws IOException {
        assertThatIllegalArgumentException().isThrownBy(() -> LabelledRows.read(csv("1,2,3\n4,x,5\n"), -1))
                .withMessageEndingWith("line 2 column 2: \"x\" is not a number");
        assertThatIllegalArgumentException().isThrownBy(() -> LabelledRows.read(csv("1,2,3\n4,5,6.5\n"), -1))
                .withMessageEndingWith("line 2 column 3: \"6.5\" is not a class label (a whole number from 0)");
        assertThatIllegalArgumentException().isThrownBy(() -> LabelledRows.read(csv("1,2,3\n4,5\n"), -1))
                .withMessageEndingWith("line 2: 2 columns, expected 3 (features and a label)");
        assertThatIllegalArgumentException().isThrownBy(() -> LabelledRows.read(csv("1,2,3\n"), 5))
                .withMessageStartingWith("params.label-column: 5 is outside the 3 columns");
        assertThatIllegalArgumentException().isThrownBy(() -> LabelledRows.read(csv("\n"), -1))
                .withMessageEndingWith(": no rows");
    }

    private Path csv(String content) throws IOException {
        return Files.writeString(Files.createTempFile(folder, "rows", ".csv"), content);
    }
}
