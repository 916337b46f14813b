package dev.quiver.inference.http;

import dev.quiver.admission.AdmissionLayer;
import dev.quiver.inference.InferenceConfig;
import dev.quiver.inference.InferenceException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.impl.RoutingContextInternal;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a request's body into one array of exactly its size, which the endpoint reads in place ({@link #bytes}). The
 * chunks are kept as they arrive and copied once, at the end, into an array of their total size. The HTTP layer's body
 * handler instead starts at 64 KB at most and doubles, zeroing and copying each array it grows through, and ends with
 * one up to twice the body: for a 284 KB JSON image that was 7 % of the request's CPU. Memory still follows the bytes
 * received: a declared Content-Length buys no allocation ahead of its bytes.
 *
 * <p>Installed where Quarkus's body handler runs, after the admission layer ({@link #install}); it marks the body read,
 * so that handler passes the request on. A body over the limit is a JSON 413 naming the limit, with
 * {@code Connection: close}: before a byte of it is read when its Content-Length says so, else once the bytes
 * received pass the limit, and the rest of the body is read and dropped until the client closes. An expectation other
 * than {@code 100-continue} is a 417, a body the HTTP layer cannot read (broken chunks) a 400 naming why, for the
 * router's failure handler to answer; neither is logged as an error of ours. A client that goes away mid-body is no
 * failure: there is no one to answer.
 */
public final class SizedBodyHandler implements Handler<RoutingContext> {

    /** The largest array a JVM allocates. */
    private static final long MAX_ARRAY = Integer.MAX_VALUE - 8;

    private final long maxBytes;
    private final String limit;

    /**
     * @param maxBytes the largest body taken; a larger one fails the request with 413 as it arrives
     * @param limit    what sets that size, for the 413 to name: a setting, or the endpoint's own limit
     */
    public SizedBodyHandler(long maxBytes, String limit) {
        this.maxBytes = Math.min(maxBytes, MAX_ARRAY);
        this.limit = limit;
    }

    /** The reader of the function's request size limit, {@code quiver.inference.max-request-size}. */
    public static SizedBodyHandler upToMaxRequestSize(InferenceConfig config) {
        return new SizedBodyHandler(config.inference().maxRequestSize().asLongValue(),
                "quiver.inference.max-request-size");
    }

    /**
     * Reads the bodies of POSTs to the paths. Call it from a router observer of a priority after the admission layer's
     * ({@link AdmissionLayer#INSTALL_PRIORITY}), so that a request is admitted before its body is read.
     */
    public void install(Router router, String... paths) {
        for (String path : paths) {
            router.post(path).order(AdmissionLayer.ROUTE_ORDER).handler(this);
        }
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
                context.fail(417);
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

    /** The body's length as its Content-Length declares it; -1 when it declares none (chunks) or no number. */
    static long declaredLength(HttpServerRequest request) {
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
        context.fail(413, InferenceException.payloadTooLarge("request body: the body sent is more than the " + maxBytes
                + " bytes allowed (" + limit + ")"));
    }

    /** One request's body on its way in. */
    private final class Reading implements Handler<Buffer> {
        private final RoutingContextInternal context;
        private final List<Buffer> chunks = new ArrayList<>();
        private long received;
        private boolean failed;

        Reading(RoutingContextInternal context) {
            this.context = context;
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
            context.fail(400, InferenceException.invalidInput("request body: unreadable: " + failure.getMessage()));
        }
    }
}
