package dev.quiver.csv;

import java.util.List;

/**
 * One record of a CSV file.
 *
 * @param line  where the record starts, from 1 (a quoted value may hold line breaks, so a record can span lines)
 * @param cells the values, unquoted, in column order
 */
public record CsvRow(long line, List<String> cells) {

    public CsvRow {
        cells = List.copyOf(cells);
    }
}
