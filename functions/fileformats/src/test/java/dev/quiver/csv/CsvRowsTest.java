package dev.quiver.csv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CsvRowsTest {

    @Test
    void readsQuotedValuesAndSkipsBlankLinesKeepingLineNumbers() {
        List<CsvRow> rows = rows("id,a,b\r\n\nr1,1,2\n   \n\"r,2\",\"3\"\"\",4\n\"multi\nline\",5,6\nlast,7\n");

        assertThat(rows).containsExactly(
                new CsvRow(1, List.of("id", "a", "b")),
                new CsvRow(3, List.of("r1", "1", "2")),
                new CsvRow(5, List.of("r,2", "3\"", "4")),
                new CsvRow(6, List.of("multi\nline", "5", "6")),
                new CsvRow(8, List.of("last", "7")));
    }

    @Test
    void emptyCellsAreKept() {
        assertThat(rows("1,,3\n,\n")).containsExactly(new CsvRow(1, List.of("1", "", "3")),
                new CsvRow(2, List.of("", "")));
    }

    @Test
    void aQuoteNeverClosedIsMalformedAtTheLineTheTextEnds() {
        CsvRows rows = new CsvRows(new StringReader("a,1\n\"open,2\nb,3\n"));

        assertThat(rows.next()).isEqualTo(new CsvRow(1, List.of("a", "1")));
        assertThatThrownBy(rows::hasNext).isInstanceOf(MalformedCsvException.class)
                .hasMessageStartingWith("line 4: Missing closing quote");
    }

    @Test
    void aPartOfAFileIsNumberedAsInTheWholeFile() {
        CsvRows rows = new CsvRows(new StringReader("a,1\n\"multi\nline\",2\n\"open,3\n"), 40);

        assertThat(rows.next()).isEqualTo(new CsvRow(41, List.of("a", "1")));
        assertThat(rows.next()).isEqualTo(new CsvRow(42, List.of("multi\nline", "2")));
        assertThatThrownBy(rows::hasNext).isInstanceOf(MalformedCsvException.class)
                .hasMessageStartingWith("line 45: Missing closing quote");
    }

    private static List<CsvRow> rows(String csv) {
        List<CsvRow> rows = new ArrayList<>();
        new CsvRows(new StringReader(csv)).forEachRemaining(rows::add);
        return rows;
    }
}
