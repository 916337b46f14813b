package dev.quiver.inference.batch;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.quiver.csv.CsvRow;
import dev.quiver.csv.CsvRows;
import dev.quiver.csv.MalformedCsvException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * Reads the rows of an input object one at a time, so a file far larger than memory streams through. JSON Lines:
 * each line is an instance (as in KServe V1 {@code instances}), or {@code {"id": ..., "instance": ...}}. CSV (read by
 * {@link CsvRows}): numeric columns, an optional header line, an optional id column; a quoted field may hold commas,
 * quotes and line breaks. Blank lines are skipped; a row that cannot be read is returned with its error instead of an
 * instance, and CSV that cannot be read at all past a point (a quote never closed) ends the rows with one such error.
 */
public final class InputRows implements Iterator<InputRow> {

    private final BufferedReader reader;
    private final ObjectMapper mapper;
    private final BatchRule rule;
    private final CsvRows csv;
    private long line;
    private int idIndex = -1;
    private InputRow next;
    private boolean ended;

    public InputRows(BufferedReader reader, ObjectMapper mapper, BatchRule rule) {
        this(reader, mapper, rule, 0);
    }

    /**
     * Rows of a part of an object: {@code lineOffset} is added to every line number, so that rows and their errors
     * are numbered as in the whole object.
     */
    public InputRows(BufferedReader reader, ObjectMapper mapper, BatchRule rule, long lineOffset) {
        this.reader = reader;
        this.mapper = mapper;
        this.rule = rule;
        this.line = lineOffset;
        this.csv = rule.format() == InputFormat.CSV ? new CsvRows(reader, lineOffset) : null;
        if (csv != null) {
            readHeader();
        }
    }

    @Override
    public boolean hasNext() {
        if (next == null && !ended) {
            next = csv != null ? nextCsv() : nextJsonLine();
            ended = next == null;
        }
        return next != null;
    }

    @Override
    public InputRow next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        InputRow row = next;
        next = null;
        return row;
    }

    private InputRow nextJsonLine() {
        String text;
        do {
            text = readLine();
            if (text == null) {
                return null;
            }
        } while (text.isBlank());
        return jsonLine(text);
    }

    private InputRow jsonLine(String text) {
        String id = Long.toString(line);
        JsonNode value;
        try {
            value = mapper.readTree(text);
        } catch (JsonProcessingException e) {
            return new InputRow(id, line, null, "line " + line + ": not valid JSON (" + e.getOriginalMessage() + ")");
        }
        if (value.isObject() && value.has("instance")) {
            JsonNode given = value.get("id");
            return new InputRow(given == null || given.isNull() ? id : given.asText(), line, value.get("instance"),
                    null);
        }
        return new InputRow(id, line, value, null);
    }

    private InputRow nextCsv() {
        try {
            if (!csv.hasNext()) {
                return null;
            }
        } catch (MalformedCsvException e) {
            ended = true;
            return new InputRow(Long.toString(e.line()), e.line(), null, e.getMessage());
        }
        CsvRow row = csv.next();
        List<String> fields = row.cells();
        String id = idIndex >= 0 && idIndex < fields.size() ? fields.get(idIndex) : Long.toString(row.line());
        ArrayNode instance = mapper.createArrayNode();
        for (int i = 0; i < fields.size(); i++) {
            if (i == idIndex) {
                continue;
            }
            String field = fields.get(i).trim();
            try {
                instance.add(Double.parseDouble(field));
            } catch (NumberFormatException e) {
                return new InputRow(id, row.line(), null, "line " + row.line() + ", column " + (i + 1) + ": '" + field
                        + "' is not a number");
            }
        }
        return new InputRow(id, row.line(), instance, null);
    }

    private void readHeader() {
        String idColumn = rule.idColumn().orElse(null);
        if (rule.header()) {
            CsvRow header = nextRecord();
            if (header != null && idColumn != null) {
                idIndex = header.cells().stream().map(String::trim).toList().indexOf(idColumn);
                if (idIndex < 0) {
                    throw new InvalidNotificationException("CSV header has no id column '" + idColumn + "'");
                }
            }
        } else if (idColumn != null) {
            try {
                idIndex = Integer.parseInt(idColumn);
            } catch (NumberFormatException e) {
                throw new InvalidNotificationException("id-column '" + idColumn + "' names a column, but the rule "
                        + "says the CSV has no header; give a 0-based index");
            }
        }
    }

    /** The header: a file whose header cannot be read is refused as a whole. */
    private CsvRow nextRecord() {
        try {
            return csv.hasNext() ? csv.next() : null;
        } catch (MalformedCsvException e) {
            throw new InvalidNotificationException("CSV header: " + e.getMessage());
        }
    }

    private String readLine() {
        try {
            String text = reader.readLine();
            if (text != null) {
                line++;
            }
            return text;
        } catch (IOException e) {
            throw new UncheckedIOException("reading line " + (line + 1) + ": " + e.getMessage(), e);
        }
    }
}
