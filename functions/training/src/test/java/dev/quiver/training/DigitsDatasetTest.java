package dev.quiver.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DigitsDatasetTest {

    @TempDir
    Path dir;

    @Test
    void readsRowsOfPixelsAndALabelSkippingBlankLines() throws IOException {
        Path file = dir.resolve("digits.csv.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            out.write((row(3, 7) + "\n\n" + row(16, 2).replace(",2", ",\"2\"") + "\r\n").getBytes(
                    StandardCharsets.US_ASCII));
        }

        DigitsDataset dataset = DigitsDataset.load(file);

        assertThat(dataset.images()).extracting(DigitImage::label).containsExactly(7, 2);
        assertThat(dataset.images().getFirst().pixels()).containsOnly(3.0);
    }

    @Test
    void aRowOfTheWrongWidthOrAValueThatIsNoNumberIsNamedByItsLine() throws IOException {
        Path narrow = Files.writeString(dir.resolve("narrow.csv"), row(1, 1) + "\n\n1,2,3\n");
        assertThatThrownBy(() -> DigitsDataset.load(narrow)).isInstanceOf(IOException.class)
                .hasMessage(narrow + " line 3: expected 64 pixel values and a label, found 3 columns");

        Path text = Files.writeString(dir.resolve("text.csv"), row(1, 1).replaceFirst("1", "x") + "\n");
        assertThatThrownBy(() -> DigitsDataset.load(text)).isInstanceOf(IOException.class)
                .hasMessageStartingWith(text + " line 1: ");
    }

    private static String row(int pixel, int label) {
        return String.join(",", Collections.nCopies(DigitImage.PIXELS, Integer.toString(pixel))) + "," + label;
    }
}
