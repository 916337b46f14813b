package dev.quiver.training;

import dev.quiver.csv.CsvRow;
import dev.quiver.csv.CsvRows;
import dev.quiver.csv.MalformedCsvException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPInputStream;

/**
 * The digits data set: rows of 64 pixel values followed by the label, comma separated, no header, optionally gzipped.
 */
public record DigitsDataset(List<DigitImage> images) {

    private static final String BUNDLED = "/datasets/digits/digits.csv.gz";

    public DigitsDataset {
        images = List.copyOf(images);
    }

    /** The copy of the data set that ships with Quiver (see datasets/digits/ATTRIBUTION.md). */
    public static DigitsDataset bundled() {
        try (InputStream in = DigitsDataset.class.getResourceAsStream(BUNDLED)) {
            if (in == null) {
                throw new IllegalStateException("the bundled data set " + BUNDLED + " is missing from the classpath");
            }
            return read(new GZIPInputStream(in), BUNDLED);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the bundled data set " + BUNDLED, e);
        }
    }

    public static DigitsDataset load(Path file) throws IOException {
        try (InputStream raw = Files.newInputStream(file)) {
            InputStream in = file.getFileName().toString().endsWith(".gz") ? new GZIPInputStream(raw) : raw;
            return read(in, file.toString());
        }
    }

    static DigitsDataset read(InputStream in, String origin) throws IOException {
        List<DigitImage> images = new ArrayList<>();
        try (CsvRows rows = new CsvRows(new InputStreamReader(in, StandardCharsets.US_ASCII))) {
            while (rows.hasNext()) {
                images.add(parseRow(rows.next(), origin));
            }
        } catch (MalformedCsvException e) {
            throw new IOException(origin + " " + e.getMessage(), e);
        }
        if (images.isEmpty()) {
            throw new IOException(origin + ": no rows");
        }
        return new DigitsDataset(images);
    }

    private static DigitImage parseRow(CsvRow row, String origin) throws IOException {
        List<String> cells = row.cells();
        if (cells.size() != DigitImage.PIXELS + 1) {
            throw new IOException("%s line %d: expected %d pixel values and a label, found %d columns"
                    .formatted(origin, row.line(), DigitImage.PIXELS, cells.size()));
        }
        double[] pixels = new double[DigitImage.PIXELS];
        try {
            for (int i = 0; i < DigitImage.PIXELS; i++) {
                pixels[i] = Integer.parseInt(cells.get(i).trim());
            }
            return new DigitImage(Integer.parseInt(cells.get(DigitImage.PIXELS).trim()), pixels);
        } catch (IllegalArgumentException e) {
            throw new IOException("%s line %d: %s".formatted(origin, row.line(), e.getMessage()), e);
        }
    }

    /** Splits deterministically: the same seed and fraction always give the same rows on each side. */
    public Split split(double testFraction, long seed) {
        if (!(testFraction > 0 && testFraction < 1)) {
            throw new IllegalArgumentException("testFraction must be strictly between 0 and 1, got " + testFraction);
        }
        List<DigitImage> shuffled = new ArrayList<>(images);
        Collections.shuffle(shuffled, new Random(seed));
        int testSize = (int) Math.round(shuffled.size() * testFraction);
        return new Split(shuffled.subList(testSize, shuffled.size()), shuffled.subList(0, testSize));
    }

    public record Split(List<DigitImage> train, List<DigitImage> test) {
        public Split {
            train = List.copyOf(train);
            test = List.copyOf(test);
        }
    }
}
