package dev.quiver.orchestration.builtin;

import dev.quiver.csv.CsvRow;
import dev.quiver.csv.CsvRows;
import dev.quiver.csv.MalformedCsvException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Rows of a headerless CSV file of numbers, one column of which is the class label (a whole number from 0): the
 * held-out rows an {@code aggregate-predictions} step runs through the models.
 *
 * @param features each row's values but the label, in column order
 * @param labels   each row's label
 */
record LabelledRows(List<float[]> features, int[] labels) {

    int size() {
        return labels.length;
    }

    /**
     * Reads the file; {@code labelColumn} counts from 0, or from the end when negative (-1 is the last column).
     *
     * @throws IllegalArgumentException naming the line and column of the first value that is not as expected
     */
    static LabelledRows read(Path file, int labelColumn) throws IOException {
        List<float[]> features = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        int width = -1;
        try (CsvRows rows = new CsvRows(Files.newBufferedReader(file, StandardCharsets.UTF_8))) {
            while (rows.hasNext()) {
                CsvRow row = rows.next();
                List<String> cells = row.cells();
                if (width == -1) {
                    width = cells.size();
                }
                if (cells.size() != width || width < 2) {
                    throw new IllegalArgumentException("%s line %d: %d columns, expected %d (features and a label)"
                            .formatted(file, row.line(), cells.size(), Math.max(width, 2)));
                }
                int label = labelColumn < 0 ? width + labelColumn : labelColumn;
                if (label < 0 || label >= width) {
                    throw new IllegalArgumentException("params.label-column: %d is outside the %d columns of %s"
                            .formatted(labelColumn, width, file));
                }
                float[] values = new float[width - 1];
                for (int column = 0, feature = 0; column < width; column++) {
                    String cell = cells.get(column).trim();
                    try {
                        if (column == label) {
                            int value = Integer.parseInt(cell);
                            if (value < 0) {
                                throw new NumberFormatException();
                            }
                            labels.add(value);
                        } else {
                            values[feature++] = Float.parseFloat(cell);
                        }
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("%s line %d column %d: \"%s\" is not %s".formatted(file,
                                row.line(), column + 1, cell, column == label ? "a class label (a whole number from 0)"
                                        : "a number"));
                    }
                }
                features.add(values);
            }
        } catch (MalformedCsvException e) {
            throw new IllegalArgumentException(file + " " + e.getMessage(), e);
        }
        if (features.isEmpty()) {
            throw new IllegalArgumentException(file + ": no rows");
        }
        return new LabelledRows(List.copyOf(features), labels.stream().mapToInt(Integer::intValue).toArray());
    }
}
