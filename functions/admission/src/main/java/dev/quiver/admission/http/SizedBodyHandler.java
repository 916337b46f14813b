package dev.quiver.admission.http;

import dev.quiver.admission.AdmissionLayer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.impl.RoutingContextInternal;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a request's body into one array of exactly its size, which the endpoint reads in place ({@link #bytes}); every
 * route of both functions takes its body from it. The chunks are kept as they arrive and copied once, at the end, into
 * an array of their total size. The HTTP layer's body handler instead starts at 64 KB at most and doubles, zeroing and
 * copying each array it grows through, and ends with one up to twice the body: for a 284 KB JSON image that was 7 % of
 * the request's CPU. Memory still follows the bytes received: a declared Content-Length buys no allocation ahead of its
 * bytes.
 *
 * <p>Installed where Quarkus's body handler runs, after the admission layer: an endpoint with a limit of its own
 * installs a reader on its paths ({@link #install}) from a router observer of {@link #ENDPOINT_PRIORITY}, and the
 * function one for every other route ({@link #installEverywhere}) from one of {@link #FUNCTION_PRIORITY}. A reader
 * marks the body read, so that the next reader and Quarkus's handler pass the request on. Whatever the client does
 * wrong with its body is answered here, as a JSON error body naming what, and is never logged as an error of ours: a
 * body over the limit is a 413 naming the limit, with {@code Connection: close}, before a byte of it is read when its
 * Content-Length says so, else once the bytes received pass the limit (the rest of the body is read and dropped until
 * the client closes); a body in chunks that the replica's body budget has no room for as it arrives is a 503 the same
 * way ({@link AdmittedBody}); an expectation other than {@code 100-continue} is a 417; a body the HTTP layer cannot read
 * (broken chunks) a 400. A client that goes away mid-body is no failure: there is no one to answer.
 */
public final class SizedBodyHandler implements Handler<RoutingContext> {

    /** Where an endpoint's own reader is installed: after the admission layer, before the function's reader. */
    public static final int ENDPOINT_PRIORITY = AdmissionLayer.INSTALL_PRIORITY + 1;
    /** Where the function's reader of every other route is installed: after the endpoints' own. */
    public static final int FUNCTION_PRIORITY = AdmissionLayer.INSTALL_PRIORITY + 2;

    /** The largest array a JVM allocates. */
    private static final long MAX_ARRAY = Integer.MAX_VALUE - 8;

    private final long maxBytes;
    private final String limit;

    /**
     * @param maxBytes the largest body taken; a larger one is answered 413 as it arrives
     * @param limit    what sets that size, for the 413 to name: a setting, or the endpoint's own limit
     */
    public SizedBodyHandler(long maxBytes, String limit) {
        this.maxBytes = Math.min(maxBytes, MAX_ARRAY);
        this.limit = limit;
    }

    /**
     * Reads the bodies of the method's requests to the paths; call it from a router observer of
     * {@link #ENDPOINT_PRIORITY}.
     */
    public void install(Router router, HttpMethod method, String... paths) {
        for (String path : paths) {
            router.route(method, path).order(AdmissionLayer.ROUTE_ORDER).handler(this);
        }
    }

    /**
     * Reads the body of every request whose endpoint installed no reader of its own; call it from a router observer of
     * {@link #FUNCTION_PRIORITY}.
     */
    public void installEverywhere(Router router) {
        router.route().order(AdmissionLayer.ROUTE_ORDER).handler(this);
    }

    /**
     * The body as read: the array itself when this handler read it, copied otherwise (a body some other reader
     * gathered); empty when there is none.
     */
    public static byte[] bytes(RoutingContext context) {
        Buffer buffer = context.body().buffer();
        if (buffer == null) {
            return new byte[0];
        }
        ByteBuf bytes = buffer.getByteBuf();
        return bytes.hasArray() && bytes.arrayOffset() == 0 && bytes.readerIndex() == 0
                && bytes.readableBytes() == bytes.array().length ? bytes.array() : ByteBufUtil.getBytes(bytes);
    }

    @Override
    public void handle(RoutingContext context) {
        HttpServerRequest request = context.request();
        RoutingContextInternal internal = (RoutingContextInternal) context;
        if (internal.seenHandler(RoutingContextInternal.BODY_HANDLER)) {
            context.next();
            return;
        }
        internal.visitHandler(RoutingContextInternal.BODY_HANDLER);
        if (declaredLength(request) > maxBytes) {
            refuse(context);
            return;
        }
        if (request.isEnded()) {
            internal.setBody(Buffer.buffer());
            context.next();
            return;
        }
        String expect = request.getHeader(HttpHeaders.EXPECT);
        if (expect != null) {
            if (!"100-continue".equalsIgnoreCase(expect)) {
                answer(context, 417, "Expect: only 100-continue is supported, got " + expect);
                return;
            }
            // an HTTP/1.0 client cannot have asked for it (RFC 9110, section 10.1.1)
            if (request.version() != HttpVersion.HTTP_1_0) {
                context.response().writeContinue();
            }
        }
        Reading reading = new Reading(internal);
        request.exceptionHandler(reading::failed).handler(reading).endHandler(reading::end).resume();
    }

    /** The body's length as its Content-Length declares it; negative when it declares none (chunks) or no number. */
    public static long declaredLength(HttpServerRequest request) {
        String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
        try {
            return length == null ? -1 : Long.parseLong(length.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** A body over the limit: 413, and the client is told to close (the rest of its body is read and dropped). */
    private void refuse(RoutingContext context) {
        context.response().putHeader(HttpHeaders.CONNECTION, "close");
        answer(context, 413, "request body: the body sent is more than the " + maxBytes + " bytes allowed (" + limit
                + ")");
    }

    /** The client's mistake, answered with the {@code error} body every Quiver error has, if it still can be. */
    private static void answer(RoutingContext context, int status, String message) {
        if (context.response().ended() || context.response().closed()) {
            return;
        }
        context.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .end(new JsonObject().put("error", message).encode());
    }

    /** One request's body on its way in. */
    private final class Reading implements Handler<Buffer> {
        private final RoutingContextInternal context;
        /** The admission layer's reservation for the body, where it runs: a body in chunks grows it as it arrives. */
        private final AdmittedBody admitted;
        private final List<Buffer> chunks = new ArrayList<>();
        private long received;
        private boolean failed;

        Reading(RoutingContextInternal context) {
            this.context = context;
            this.admitted = context.get(AdmittedBody.KEY);
        }

        @Override
        public void handle(Buffer chunk) {
            if (failed) {
                return;
            }
            received += chunk.length();
            if (received > maxBytes) {
                failed = true;
                chunks.clear();
                refuse(context);
                return;
            }
            if (admitted != null && !admitted.reservation().growTo(received)) {
                failed = true;
                chunks.clear();
                context.response().putHeader(HttpHeaders.CONNECTION, "close");
                admitted.full().send(context);
                return;
            }
            chunks.add(chunk);
        }

        void end(Void ended) {
            if (failed || context.failed()) {
                return;
            }
            byte[] body = new byte[(int) received];
            int at = 0;
            for (Buffer chunk : chunks) {
                chunk.getBytes(0, chunk.length(), body, at);
                at += chunk.length();
            }
            chunks.clear();
            context.setBody(Buffer.buffer(Unpooled.wrappedBuffer(body)));
            context.next();
        }

        void failed(Throwable failure) {
            boolean refused = failed;
            failed = true;
            chunks.clear();
            if (refused || failure instanceof HttpClosedException) {
                // answered already, or the client went away mid-body: no one to answer, nothing to report
                return;
            }
            // the HTTP layer could not read the body (a broken chunk, say): the client's fault, answered if the
            // connection still can be, never logged as ours
            answer(context, 400, "request body: unreadable: " + failure.getMessage());
        }
    }
}
