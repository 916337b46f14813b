package dev.quiver.inference.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.admission.AdmissionLayer;
import dev.quiver.admission.http.RequestIds;
import dev.quiver.admission.http.SizedBodyHandler;
import dev.quiver.inference.InferenceConfig;
import dev.quiver.inference.InferenceException;
import dev.quiver.inference.predict.PredictBody;
import io.netty.buffer.ByteBufInputStream;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * Router-level rules that apply before any endpoint runs, and the JSON answer of every failure no endpoint answered.
 * First, on the request's head alone: a request id on every request; a request target that is no URI (raw non-ASCII
 * or illegal characters, a broken escape), too long (414) or headers too large (431), each a JSON error rather than
 * the HTTP layer's empty one; the size limit, a JSON 413 before the body is read. After the body is read, a function's
 * body is checked before Funqy binds it. Last, any failure left (a chunked body over the limit, an error of our own,
 * memory running out) is answered with the same JSON body as everywhere.
 */
@ApplicationScoped
public class HttpRoutes {

    private static final Logger LOG = Logger.getLogger(HttpRoutes.class);

    private final long maxRequestBytes;
    private final long maxUriLength;
    private final long maxHeaderBytes;
    private final JsonErrors errors;
    private final JsonFactory json;

    public HttpRoutes(InferenceConfig config, JsonErrors errors, ObjectMapper mapper) {
        this.maxRequestBytes = config.inference().maxRequestSize().asLongValue();
        this.maxUriLength = config.inference().maxUriLength().asLongValue();
        this.maxHeaderBytes = config.inference().maxHeaderSize().asLongValue();
        this.errors = errors;
        this.json = mapper.getFactory();
    }

    /**
     * Every body is read into one array of its size, once the admission layer has let the request in, up to the
     * function's limit (a rollout's routes read theirs with a lower limit of their own).
     */
    void readBodies(@Observes @Priority(SizedBodyHandler.FUNCTION_PRIORITY) Router router) {
        new SizedBodyHandler(maxRequestBytes, "quiver.inference.max-request-size").installEverywhere(router);
    }

    void install(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).handler(this::checkHead);
        router.route().order(Integer.MIN_VALUE).handler(this::limitSize);
        // POST /predict is checked and served by PredictRoute
        router.post("/ping").order(AdmissionLayer.ROUTE_ORDER + 1).handler(this::checkBody);
        for (String function : new String[] {"/predict", "/ping"}) {
            router.route(function).failureHandler(this::functionFailure);
        }
        // after every endpoint's own failure handler, before Quarkus's, which answers in its own format
        router.route().order(Integer.MAX_VALUE - 1).failureHandler(this::anyFailure);
    }

    private void checkHead(RoutingContext context) {
        String target = context.request().uri();
        if (target.length() > maxUriLength) {
            context.response().putHeader(HttpHeaders.CONNECTION, "close");
            errors.send(context, HttpResponseStatus.REQUEST_URI_TOO_LONG.code(), "request target: " + target.length()
                    + " characters is more than the " + maxUriLength + " allowed (quiver.inference.max-uri-length)");
            return;
        }
        long headerBytes = headerBytes(context.request().headers());
        if (headerBytes > maxHeaderBytes) {
            context.response().putHeader(HttpHeaders.CONNECTION, "close");
            errors.send(context, HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE.code(), "headers: " + headerBytes
                    + " bytes is more than the " + maxHeaderBytes + " allowed (quiver.inference.max-header-size)");
            return;
        }
        String problem = uriProblem(target);
        if (problem != null) {
            errors.send(context, InferenceException.invalidInput("request target: " + problem));
            return;
        }
        context.next();
    }

    private void limitSize(RoutingContext context) {
        long bytes = SizedBodyHandler.declaredLength(context.request());
        if (bytes > maxRequestBytes) {
            context.response().putHeader(HttpHeaders.CONNECTION, "close");
            errors.send(context, tooLarge(bytes + " bytes"));
            return;
        }
        context.next();
    }

    /**
     * A function takes a JSON object; without a body Funqy would call it with no input at all. Runs after the body has
     * been read, so an empty chunked body is refused as {@code Content-Length: 0} is.
     */
    private void checkBody(RoutingContext context) {
        Buffer body = context.body().buffer();
        if (body == null || body.length() == 0) {
            errors.send(context, InferenceException.invalidInput("request body: expected a JSON object, got an "
                    + "empty body"));
            return;
        }
        try (JsonParser parser = json.createParser((InputStream) new ByteBufInputStream(body.getByteBuf()))) {
            PredictBody.checkObject(parser);
        } catch (JsonParseException e) {
            errors.send(context, InferenceException.malformedJson(e));
            return;
        } catch (InferenceException e) {
            errors.send(context, e);
            return;
        } catch (IOException e) {
            errors.send(context, InferenceException.invalidInput("request body: unreadable JSON: " + e.getMessage()));
            return;
        }
        context.next();
    }

    private void functionFailure(RoutingContext context) {
        Throwable failure = context.failure();
        if (failure == null && context.statusCode() == 400) {
            errors.send(context, InferenceException.invalidInput("request body: expected a JSON object "
                    + "{\"model\": name, \"version\": optional, \"instances\": [...]}"));
        } else if (failure == null && context.statusCode() == 406) {
            errors.send(context, InferenceException.unsupportedMediaType("Content-Type: expected application/json"));
        } else {
            anyFailure(context);
        }
    }

    private void anyFailure(RoutingContext context) {
        Throwable failure = context.failure();
        int status = context.statusCode();
        if (failure != null) {
            errors.send(context, failure);
        } else if (status > 0 && status < 500) {
            errors.send(context, status, "request to " + context.request().path() + " failed: "
                    + HttpResponseStatus.valueOf(status).reasonPhrase());
        } else {
            LOG.errorf("request %s to %s failed with HTTP %d", RequestIds.current(), context.request().path(), status);
            errors.send(context, 500, "internal error; quote request id " + RequestIds.current());
        }
    }

    private InferenceException tooLarge(String what) {
        return InferenceException.payloadTooLarge("request body: " + what + " is more than the " + maxRequestBytes
                + " bytes allowed (quiver.inference.max-request-size)");
    }

    private static long headerBytes(MultiMap headers) {
        long bytes = 0;
        for (Map.Entry<String, String> header : headers) {
            bytes += header.getKey().length() + header.getValue().length() + 4;
        }
        return bytes;
    }

    /**
     * What makes a request target no URI, or null when it is one: raw non-ASCII bytes, spaces and controls, the
     * characters RFC 3986 leaves out, broken escapes. The HTTP layer's own check answers such targets with an empty
     * 400, so it is off ({@code vertx.disableURIValidation}) and this one answers them.
     */
    static String uriProblem(String target) {
        for (int i = 0; i < target.length(); i++) {
            char c = target.charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
                // the HTTP layer reads the request line byte for byte, one character each
                return String.format("the byte 0x%02x at position %d is not allowed; percent-encode it (a UTF-8 ü is "
                        + "%%C3%%BC)", (int) c & 0xff, i);
            }
        }
        try {
            new URI(target);
            return null;
        } catch (URISyntaxException e) {
            return e.getMessage();
        }
    }
}
