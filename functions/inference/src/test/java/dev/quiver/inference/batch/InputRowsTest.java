package dev.quiver.inference.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class InputRowsTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final BatchRule CSV = new BatchRule("in", "", ".csv", "digits", Optional.empty(), InputFormat.CSV,
            true, Optional.of("id"), "in", "predictions", Optional.empty());

    @Test
    void csvRowsKeepQuotedCommasAndLineBreaksAndTheirLines() {
        List<InputRow> rows = rows("a,id,b\n1,\"x,1\",2\n\n3,\"multi\nline\",4\n5,y,six\n");

        assertThat(rows).extracting(InputRow::id, InputRow::line, row -> String.valueOf(row.instance()),
                InputRow::error).containsExactly(
                tuple("x,1", 2L, "[1.0,2.0]", null),
                tuple("multi\nline", 4L, "[3.0,4.0]", null),
                tuple("y", 6L, "null", "line 6, column 3: 'six' is not a number"));
    }

    @Test
    void aQuoteNeverClosedEndsTheRowsWithAnError() {
        List<InputRow> rows = rows("a,id,b\n1,x,2\n3,\"open,4\n5,z,6\n");

        assertThat(rows).hasSize(2);
        assertThat(rows.getFirst().readable()).isTrue();
        assertThat(rows.get(1).error()).startsWith("line 5: Missing closing quote");
    }

    private static List<InputRow> rows(String csv) {
        List<InputRow> rows = new ArrayList<>();
        new InputRows(new BufferedReader(new StringReader(csv)), MAPPER, CSV).forEachRemaining(rows::add);
        return rows;
    }
}
