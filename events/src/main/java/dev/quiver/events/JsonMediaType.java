package dev.quiver.events;

import java.util.Locale;

/** Whether a media type is JSON: {@code application/json} or a {@code +json} suffix, in any case, with parameters. */
public final class JsonMediaType {

    private JsonMediaType() {
    }

    public static boolean matches(String contentType) {
        if (contentType == null) {
            return false;
        }
        String media = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        return media.equals(EventCodec.JSON) || media.endsWith("+json");
    }
}
