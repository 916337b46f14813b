package dev.quiver.deploy.cluster;

import dev.quiver.deploy.DeployException;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.function.Supplier;

/**
 * Runs one request to the Kubernetes API and turns its failure into a message that says what was attempted, where,
 * and why it failed: an unreachable API, a refused permission, a missing API (Knative not installed), or the API
 * server's own message.
 */
public record ClusterCall(String apiUrl) {

    public <T> T run(String verb, String resource, String namespace, Supplier<T> call) {
        try {
            return call.get();
        } catch (KubernetesClientException e) {
            throw translate(e, verb, resource, namespace);
        }
    }

    private DeployException translate(KubernetesClientException e, String verb, String resource, String namespace) {
        String where = namespace == null ? "" : " in " + namespace;
        if (e.getCode() == 403) {
            return new DeployException("not allowed to " + verb + " " + resource + where + ": " + serverMessage(e), e);
        }
        if (e.getCode() == 404 && "list".equals(verb)) {
            return new DeployException("cannot list " + resource + where + ": the API server does not know them ("
                    + serverMessage(e) + "); is Knative installed in the cluster?", e);
        }
        if (e.getCode() <= 0) {
            return new DeployException("cannot reach the Kubernetes API at " + apiUrl + ": " + rootCause(e), e);
        }
        return new DeployException("cannot " + verb + " " + resource + where + ": " + serverMessage(e), e);
    }

    private static String serverMessage(KubernetesClientException e) {
        return e.getStatus() != null && e.getStatus().getMessage() != null
                ? e.getStatus().getMessage()
                : e.getMessage();
    }

    private static String rootCause(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        String message = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        return cause == e ? message : cause.getClass().getSimpleName() + ": " + message;
    }
}
