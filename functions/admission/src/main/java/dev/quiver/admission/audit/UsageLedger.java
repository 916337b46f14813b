package dev.quiver.admission.audit;

import dev.quiver.admission.identity.Caller;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * Per-caller counts of this replica since the last report. Callers are held by their safe label only. The number
 * of callers tracked in a window is bounded; past the bound, new callers are counted together as {@code (others)}
 * so that a flood of identities cannot grow memory.
 */
public final class UsageLedger {

    private static final String OTHERS = "(others)";

    private final Clock clock;
    private final int maxCallers;
    private final AtomicReference<Window> window;

    public UsageLedger(Clock clock, int maxCallers) {
        this.clock = clock;
        this.maxCallers = maxCallers;
        this.window = new AtomicReference<>(new Window(clock.instant()));
    }

    public void record(Caller caller, Outcome outcome) {
        Window current = window.get();
        Counts counts = current.callers.get(caller.label());
        if (counts == null) {
            String label = current.callers.size() < maxCallers ? caller.label() : OTHERS;
            String kind = label.equals(OTHERS) ? "mixed" : caller.kind().name().toLowerCase(Locale.ROOT);
            String plan = label.equals(OTHERS) ? "mixed" : caller.plan();
            counts = current.callers.computeIfAbsent(label, ignored -> new Counts(kind, plan));
        }
        if (outcome != Outcome.QUEUED) {
            counts.requests.increment();
        }
        counts.by[outcome.ordinal()].increment();
    }

    /** The window so far, busiest callers first. */
    public Report snapshot() {
        Window current = window.get();
        return current.report(clock.instant());
    }

    /** Closes the window and opens the next: what a periodic report sends. */
    public Report drain() {
        Instant now = clock.instant();
        Window closed = window.getAndSet(new Window(now));
        return closed.report(now);
    }

    public record Report(Instant from, Instant to, List<CallerUsage> callers) {
    }

    private static final class Window {
        private final Instant from;
        private final Map<String, Counts> callers = new ConcurrentHashMap<>();

        private Window(Instant from) {
            this.from = from;
        }

        private Report report(Instant to) {
            List<CallerUsage> usage = new ArrayList<>();
            callers.forEach((label, counts) -> usage.add(counts.usage(label)));
            usage.sort(Comparator.comparingLong(CallerUsage::requests).reversed());
            return new Report(from, to, usage);
        }
    }

    private static final class Counts {
        private final String kind;
        private final String plan;
        private final LongAdder requests = new LongAdder();
        private final LongAdder[] by = new LongAdder[Outcome.values().length];

        private Counts(String kind, String plan) {
            this.kind = kind;
            this.plan = plan;
            for (int i = 0; i < by.length; i++) {
                by[i] = new LongAdder();
            }
        }

        private CallerUsage usage(String label) {
            return new CallerUsage(label, kind, plan, requests.sum(), sum(Outcome.ADMITTED), sum(Outcome.QUEUED),
                    sum(Outcome.LIMITED), sum(Outcome.REJECTED), sum(Outcome.TIMED_OUT), sum(Outcome.SHED));
        }

        private long sum(Outcome outcome) {
            return by[outcome.ordinal()].sum();
        }
    }
}
