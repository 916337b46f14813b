package dev.quiver.inference.tensor;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.io.IOContext;
import com.fasterxml.jackson.core.json.ByteSourceJsonBootstrapper;
import java.io.IOException;

/**
 * The application's JSON settings (features, number parser, limits), with parsers over UTF-8 bytes in memory that
 * let {@link DecimalArrayDecoder} decode a tensor's data array straight from those bytes (see
 * {@link InMemoryJsonParser}). Other input (a stream, a byte order mark, UTF-16 or UTF-32) gets Jackson's parser.
 */
public final class InMemoryJsonFactory extends JsonFactory {

    public InMemoryJsonFactory(JsonFactory settings) {
        super(settings, settings.getCodec());
    }

    @Override
    protected JsonParser _createParser(byte[] data, int offset, int len, IOContext context) throws IOException {
        boolean byteOrderMark = len > 0 && data[offset] == ByteSourceJsonBootstrapper.UTF8_BOM_1;
        if (byteOrderMark || new ByteSourceJsonBootstrapper(context, data, offset, len).detectEncoding()
                != JsonEncoding.UTF8) {
            return super._createParser(data, offset, len, context);
        }
        return new InMemoryJsonParser(context, _parserFeatures, _objectCodec,
                _byteSymbolCanonicalizer.makeChildOrPlaceholder(_factoryFeatures), data, offset, offset + len);
    }
}
