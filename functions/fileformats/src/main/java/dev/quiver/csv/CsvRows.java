package dev.quiver.csv;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.csv.CsvFactory;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import java.io.Closeable;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * The records of a CSV file (RFC 4180, as Jackson's CSV module reads it: a quoted value may hold commas, doubled quotes
 * and line breaks), one at a time, so a file larger than memory streams through. A blank line is no record. No header
 * is interpreted: a file that has one reads it as its first record.
 */
public final class CsvRows implements Iterator<CsvRow>, Closeable {

    private static final CsvFactory CSV = new CsvFactory();

    private final CsvParser parser;
    private final long lineOffset;
    private CsvRow next;
    private long line;

    public CsvRows(Reader reader) {
        this(reader, 0);
    }

    /**
     * Records of a part of a larger file: {@code lineOffset} is added to every line number read, rows and errors
     * alike, so they are numbered as in the whole file.
     */
    public CsvRows(Reader reader, long lineOffset) {
        this.lineOffset = lineOffset;
        try {
            this.parser = CSV.createParser(reader);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @throws MalformedCsvException when what follows the last record read is not CSV; nothing can be read after it */
    @Override
    public boolean hasNext() {
        while (next == null) {
            next = read();
            if (next == null) {
                return false;
            }
            if (next.cells().size() == 1 && next.cells().getFirst().isBlank()) {
                next = null;
            }
        }
        return true;
    }

    @Override
    public CsvRow next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        CsvRow row = next;
        next = null;
        return row;
    }

    @Override
    public void close() throws IOException {
        parser.close();
    }

    private CsvRow read() {
        try {
            if (parser.nextToken() != JsonToken.START_ARRAY) {
                return null;
            }
            List<String> cells = new ArrayList<>();
            long start = -1;
            for (JsonToken token = parser.nextToken(); token != JsonToken.END_ARRAY; token = parser.nextToken()) {
                if (start < 0) {
                    start = parser.currentTokenLocation().getLineNr();
                }
                cells.add(parser.getText());
            }
            line = start > 0 ? start : line + 1;
            return new CsvRow(line + lineOffset, cells);
        } catch (JsonProcessingException e) {
            long at = e.getLocation() == null ? line + 1 : e.getLocation().getLineNr();
            throw new MalformedCsvException(at + lineOffset, e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("reading CSV after line " + (line + lineOffset) + ": " + e.getMessage(), e);
        }
    }
}
