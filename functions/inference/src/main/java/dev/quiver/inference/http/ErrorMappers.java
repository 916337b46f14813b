package dev.quiver.inference.http;

import dev.quiver.admission.http.AdmissionRejectedException;
import dev.quiver.admission.http.Rejection;
import dev.quiver.admission.http.RequestIds;
import dev.quiver.inference.InferenceException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.jboss.logging.Logger;
import org.jboss.logging.MDC;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Turns every failure of a REST endpoint into {@code {"error": "..."}} with the status its kind calls for. */
public class ErrorMappers {

    private static final Logger LOG = Logger.getLogger(ErrorMappers.class);

    @ServerExceptionMapper
    public Response inference(InferenceException e) {
        if (e.kind() == InferenceException.Kind.INTERNAL) {
            LOG.errorf(e, "request %s failed", MDC.get(RequestIds.MDC_KEY));
        }
        return ErrorBody.response(e);
    }

    @ServerExceptionMapper
    public Response refused(AdmissionRejectedException e) {
        Rejection rejection = e.rejection();
        Response.ResponseBuilder response = Response.status(rejection.status()).type(Rejection.PROBLEM_JSON)
                .entity(rejection.body());
        rejection.headers().forEach(response::header);
        return response.build();
    }

    @ServerExceptionMapper
    public Response http(WebApplicationException e, UriInfo uri) {
        int status = e.getResponse().getStatus();
        String message = switch (status) {
            case 404 -> "no endpoint at /" + uri.getPath().replaceFirst("^/", "");
            case 405 -> "method not allowed on /" + uri.getPath().replaceFirst("^/", "");
            case 406 -> "cannot produce the media type the Accept header asks for";
            case 415 -> "unsupported Content-Type";
            default -> e.getMessage();
        };
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE).entity(new ErrorBody(message)).build();
    }

    @ServerExceptionMapper
    public Response outOfMemory(OutOfMemoryError e, UriInfo uri) {
        return ErrorBody.response(JsonErrors.outOfMemory("/" + uri.getPath().replaceFirst("^/", "")));
    }

    @ServerExceptionMapper
    public Response unexpected(Exception e) {
        String requestId = MDC.get(RequestIds.MDC_KEY) instanceof String id ? id : "unknown";
        LOG.errorf(e, "request %s failed", requestId);
        return Response.serverError().type(MediaType.APPLICATION_JSON_TYPE)
                .entity(new ErrorBody("internal error; quote request id " + requestId)).build();
    }
}
