package dev.quiver.inference.protocol.v2;

/**
 * A serialized inference response.
 *
 * @param body         the JSON document, followed by the binary outputs when there are any
 * @param headerLength the JSON document's length, or -1 when the body is JSON only
 */
public record V2Response(byte[] body, int headerLength) {

    public boolean hasBinaryData() {
        return headerLength >= 0;
    }
}
