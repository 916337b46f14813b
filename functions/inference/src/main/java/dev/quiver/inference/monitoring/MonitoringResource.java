package dev.quiver.inference.monitoring;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** {@code GET /v2/models/{name}/versions/{version}/monitoring}: a version's age, predictions and live accuracy. */
@Path("/v2/models/{name}/versions/{version}/monitoring")
@Produces(MediaType.APPLICATION_JSON)
public class MonitoringResource {

    private final ModelMonitoring monitoring;

    public MonitoringResource(ModelMonitoring monitoring) {
        this.monitoring = monitoring;
    }

    @GET
    public MonitoringReport report(@PathParam("name") String name, @PathParam("version") String version) {
        return monitoring.report(name, version);
    }
}
