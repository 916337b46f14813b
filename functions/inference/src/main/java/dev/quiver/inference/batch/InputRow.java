package dev.quiver.inference.batch;

import com.fasterxml.jackson.databind.JsonNode;

/** One row of an input object: its id, its line number, and the instance, or why the row could not be read. */
public record InputRow(String id, long line, JsonNode instance, String error) {

    public boolean readable() {
        return error == null;
    }
}
