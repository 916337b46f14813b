package dev.quiver.inference.tensor;

import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.ObjectCodec;
import com.fasterxml.jackson.core.io.IOContext;
import com.fasterxml.jackson.core.json.UTF8StreamJsonParser;
import com.fasterxml.jackson.core.sym.ByteQuadsCanonicalizer;

/**
 * Jackson's UTF-8 parser over bytes held whole in memory, which can hand the array it has just opened to another
 * decoder and continue at that array's closing bracket, as if it had read the elements itself: the token parser then
 * never tokenizes the bulk of a JSON tensor. Line and column numbers of later errors stay right.
 */
public final class InMemoryJsonParser extends UTF8StreamJsonParser {

    InMemoryJsonParser(IOContext context, int features, ObjectCodec codec, ByteQuadsCanonicalizer symbols,
                       byte[] input, int start, int end) {
        super(context, features, null, codec, symbols, input, start, end, false);
    }

    /** The bytes the parser reads. */
    byte[] input() {
        return _inputBuffer;
    }

    /** The offset in {@link #input()} just past the JSON text. */
    int inputEnd() {
        return _inputEnd;
    }

    /** The offset in {@link #input()} of the opening bracket of the current START_ARRAY token, or -1. */
    int arrayStart() {
        int bracket = _inputPtr - 1;
        return currentToken() == JsonToken.START_ARRAY && bracket >= 0 && _inputBuffer[bracket] == '[' ? bracket : -1;
    }

    /** Continues at the closing bracket of the array just opened, which another decoder has read. */
    void continueAt(DecimalArrayDecoder.DecodedArray array) {
        _inputPtr = array.close();
        if (array.lines() > 0) {
            _currInputRow += array.lines();
            _currInputRowStart = array.lineStart();
        }
    }
}
