package dev.quiver.deploy.status;

import java.io.PrintStream;
import java.util.List;

/** Prints service reports as indented text, one block per service. */
public final class StatusPrinter {

    private final PrintStream out;

    public StatusPrinter(PrintStream out) {
        this.out = out;
    }

    public void print(String namespace, List<ServiceReport> reports) {
        if (reports.isEmpty()) {
            out.println("no Knative Services in " + namespace);
            return;
        }
        for (ServiceReport report : reports) {
            out.println(report.name() + ": " + (report.ready() ? "ready" : "not ready") + why(report));
            out.println("  url: " + orNone(report.url()));
            out.println("  latest created revision: " + orNone(report.latestCreatedRevision()));
            out.println("  latest ready revision:   " + orNone(report.latestReadyRevision()));
            out.println("  traffic:");
            if (report.traffic().isEmpty()) {
                out.println("    (none)");
            }
            for (TrafficRow row : report.traffic()) {
                out.printf("    %3d%%  %s%s%s%n", row.percent(), row.revision(),
                        row.tag() == null ? "" : "  tag " + row.tag(), row.url() == null ? "" : "  " + row.url());
            }
        }
    }

    private static String why(ServiceReport report) {
        if (report.reason() == null && report.message() == null) {
            return "";
        }
        return " (" + (report.reason() == null ? "" : report.reason() + (report.message() == null ? "" : ": "))
                + (report.message() == null ? "" : report.message()) + ")";
    }

    private static String orNone(String value) {
        return value == null ? "(none)" : value;
    }
}
