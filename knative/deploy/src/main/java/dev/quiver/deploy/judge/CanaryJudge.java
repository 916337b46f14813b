package dev.quiver.deploy.judge;

import dev.quiver.deploy.DeployException;
import dev.quiver.deploy.cluster.KnativeServices;
import dev.quiver.deploy.rollout.Rollouts;
import dev.quiver.deploy.rollout.TrafficPlan;
import io.fabric8.knative.serving.v1.Service;
import io.fabric8.knative.serving.v1.TrafficTarget;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;

/**
 * Reads the canary's and the current revision's metrics from their tag URLs, prints the figures and the verdict,
 * and promotes or rolls back accordingly. The figures are what the scraped replica counted since it started: with
 * several replicas per revision they are a sample, not the whole.
 */
public final class CanaryJudge {

    private final KnativeServices services;
    private final Rollouts rollouts;
    private final MetricsSource metrics;
    private final PrintStream out;

    public CanaryJudge(KnativeServices services, Rollouts rollouts, MetricsSource metrics, PrintStream out) {
        this.services = services;
        this.rollouts = rollouts;
        this.metrics = metrics;
        this.out = out;
    }

    public Verdict judge(String name, Criteria criteria) {
        Service service = services.require(name);
        List<TrafficTarget> traffic = service.getStatus() == null ? null : service.getStatus().getTraffic();
        TrafficTarget canary = tagUrl(name, traffic, TrafficPlan.CANARY);
        TrafficTarget current = tagUrl(name, traffic, TrafficPlan.CURRENT);
        Verdict verdict = Verdict.of(RequestFigures.of(Sample.parseAll(metrics.scrape(canary.getUrl()))),
                RequestFigures.of(Sample.parseAll(metrics.scrape(current.getUrl()))), criteria);
        print("canary ", canary.getRevisionName(), verdict.canary());
        print("current", current.getRevisionName(), verdict.current());
        out.println("verdict: " + verdict.decision().name().toLowerCase(Locale.ROOT).replace('_', ' ')
                + " (" + String.join("; ", verdict.reasons()) + ")");
        switch (verdict.decision()) {
            case PROMOTE -> rollouts.promote(name);
            case ROLL_BACK -> rollouts.rollback(name);
            case UNDECIDED -> out.println("nothing changed; send traffic to the canary and judge again");
        }
        return verdict;
    }

    private void print(String label, String revision, RequestFigures figures) {
        out.printf("%s %s: %d requests, %d errors (rate %.4f), p99 %s%n", label, revision, figures.requests(),
                figures.errors(), figures.errorRate(),
                Double.isNaN(figures.p99Seconds()) ? "unknown" : String.format("%.1f ms", figures.p99Seconds() * 1000));
    }

    private static TrafficTarget tagUrl(String name, List<TrafficTarget> traffic, String tag) {
        TrafficTarget target = TrafficPlan.find(traffic, tag).orElseThrow(() -> new DeployException("Knative Service "
                + name + " reports no traffic tagged " + tag
                + " (start a canary with rollout, and wait until it is ready)"));
        if (target.getUrl() == null) {
            throw new DeployException("Knative Service " + name + ": the revision tagged " + tag + " has no URL yet");
        }
        return target;
    }
}
