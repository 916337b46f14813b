package dev.quiver.inference.batch;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * Reads the rows of an input object one line at a time, so a file far larger than memory streams through. JSON
 * Lines: each line is an instance (as in KServe V1 {@code instances}), or {@code {"id": ..., "instance": ...}}. CSV:
 * numeric columns, an optional header line, an optional id column; quoted fields may hold commas. Blank lines are
 * skipped; a row that cannot be read is returned with its error instead of an instance.
 */
public final class InputRows implements Iterator<InputRow> {

    private final BufferedReader reader;
    private final ObjectMapper mapper;
    private final BatchRule rule;
    private long line;
    private int idIndex = -1;
    private InputRow next;

    public InputRows(BufferedReader reader, ObjectMapper mapper, BatchRule rule) {
        this.reader = reader;
        this.mapper = mapper;
        this.rule = rule;
        if (rule.format() == InputFormat.CSV) {
            readHeader();
        }
    }

    @Override
    public boolean hasNext() {
        if (next == null) {
            next = advance();
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

    private InputRow advance() {
        String text;
        do {
            text = readLine();
            if (text == null) {
                return null;
            }
        } while (text.isBlank());
        return rule.format() == InputFormat.CSV ? csv(text) : jsonLine(text);
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

    private InputRow csv(String text) {
        List<String> fields = fields(text);
        String id = idIndex >= 0 && idIndex < fields.size() ? fields.get(idIndex) : Long.toString(line);
        ArrayNode instance = mapper.createArrayNode();
        for (int i = 0; i < fields.size(); i++) {
            if (i == idIndex) {
                continue;
            }
            String field = fields.get(i).trim();
            try {
                instance.add(Double.parseDouble(field));
            } catch (NumberFormatException e) {
                return new InputRow(id, line, null, "line " + line + ", column " + (i + 1) + ": '" + field
                        + "' is not a number");
            }
        }
        return new InputRow(id, line, instance, null);
    }

    private void readHeader() {
        String idColumn = rule.idColumn().orElse(null);
        if (rule.header()) {
            String header = readLine();
            if (header != null && idColumn != null) {
                idIndex = fields(header).stream().map(String::trim).toList().indexOf(idColumn);
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

    /** Splits a CSV line; a quoted field may hold commas and doubled quotes. */
    static List<String> fields(String text) {
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
                    field.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    field.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                fields.add(field.toString());
                field.setLength(0);
            } else if (c != '\r') {
                field.append(c);
            }
        }
        fields.add(field.toString());
        return fields;
    }
}
