package dev.quiver.orchestration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** The orchestration function's settings (MicroProfile Config; each is also an environment variable). */
@ConfigMapping(prefix = "quiver.orchestration")
public interface OrchestrationConfig {

    /** The folder of pipeline files ({@code *.yaml}, {@code *.yml}), read at startup and when files change. */
    @WithDefault("pipelines")
    Path pipelines();

    /** How often the pipeline folder is checked for new and changed files. */
    @WithDefault("5s")
    Duration pipelinesPollInterval();

    /**
     * Where the function's events go: the Knative Broker, given by a SinkBinding as {@code K_SINK}. Without one
     * (embedded mode), dispatched {@code process} steps run in the function itself and other events are only logged.
     */
    Optional<URI> sink();

    /**
     * The executors that take {@code dev.quiver.step.dispatched} from the broker (each with a Trigger on the event's
     * {@code executor} extension), when a sink is set. A pipeline naming an executor that neither the function nor the
     * broker's consumers run is refused when it is loaded.
     */
    Optional<Set<String>> brokerExecutors();

    /** The CloudEvents {@code source} of the events the function emits. */
    @WithDefault("/quiver/orchestration")
    String source();

    /**
     * Where the embedded database keeps its file (application.properties sets {@code ~/.quiver/orchestration}, from
     * {@code user.home}).
     */
    Path state();

    /**
     * How long a running attempt may go without a heartbeat (or, before its first, since its dispatch) before it is
     * failed with {@code HeartbeatTimeout}. Executors heartbeat far more often than this.
     */
    @WithDefault("10m")
    Duration heartbeatTimeout();

    /**
     * Whether the function ticks itself (embedded mode). On Knative, set false and let a PingSource send ticks, so
     * that a function scaled to zero is woken to fire its timers.
     */
    @WithDefault("true")
    boolean internalTicks();

    /** How often the function ticks itself. */
    @WithDefault("10s")
    Duration tickInterval();

    /**
     * The inference function's model repository, where {@code publish-model} steps put the models they publish: a
     * folder, or {@code s3://bucket/prefix} in the S3-compatible store of {@code quiver.storage.s3.*}, the settings
     * the inference function reads it with.
     */
    Optional<String> modelRepository();

    /**
     * The inference function's address, where {@code aggregate-predictions} steps send their
     * {@code dev.quiver.inference.requested} events (as event traffic, so admission does not count them as a caller's).
     */
    @WithDefault("http://localhost:8080")
    URI inferenceUrl();

    /** How often the {@code process} executor sends a running attempt's heartbeat (memory, progress). */
    @WithDefault("2s")
    Duration processHeartbeatInterval();

    /**
     * How long handled event ids and sent outbox events are kept. A redelivery later than this would be taken as a new
     * event, so it must exceed the broker's longest retry window (Knative's are minutes to hours).
     */
    @WithDefault("7d")
    Duration eventRetention();

    /**
     * How long dead letters are kept for operators to look at ({@code GET /dead-letters}); one redelivered by the
     * broker after this would be recorded again.
     */
    @WithDefault("30d")
    Duration deadLetterRetention();

    /** Memoized results older than this are removed. */
    @WithDefault("30d")
    Duration memoTtl();

    /** Memoized results not reused (or made) within this are removed. */
    @WithDefault("14d")
    Duration memoIdle();

    /**
     * A worker of a multi-worker step whose reported throughput is this many times or more below the median of the
     * attempt's workers is reported ({@code dev.quiver.step.alert.raised}, error class {@code SlowWorker}).
     */
    @WithDefault("3")
    double slowWorkerFactor();

    Kubernetes kubernetes();

    /** The {@code kubernetes-job} executor. */
    interface Kubernetes {

        /** Whether the function runs {@code kubernetes-job} steps as Jobs in the cluster it can reach. */
        @WithDefault("false")
        boolean enabled();

        /** Where Jobs are created; the client's namespace (in a pod: its own) when unset. */
        Optional<String> namespace();

        /** How often running Jobs are checked (heartbeats) and ended ones reported. */
        @WithDefault("5s")
        Duration pollInterval();

        /**
         * Whether Kueue admits {@code kubernetes-job} steps: their Jobs are created suspended, labelled with the
         * LocalQueue and WorkloadPriorityClass of the step's pool queue and priority class, and Quiver's own pool does
         * not admit them a second time; a Job Kueue unsuspends is the step running.
         */
        @WithDefault("false")
        boolean kueue();

        /**
         * Whether a worker of a {@code kubernetes-job} step reported far slower than its peers ({@code SlowWorker})
         * is replaced: its pod evicted, and the Job starts that worker again. Off, the alert is only raised.
         */
        @WithDefault("true")
        boolean replaceSlowWorkers();
    }

    Retry retry();

    /**
     * The defaults of the retry decision: what a step's {@code retry} block leaves out, and the rules' thresholds.
     * Backoff defaults are those of {@code ExponentialBackoff} (10s, factor 2, cap 10m, full jitter, budget 1h).
     */
    interface Retry {

        /**
         * The shortest span of progress reports over which a running attempt's pace is judged: shorter, a slow start
         * would read as hopeless.
         */
        @WithDefault("1m")
        Duration runningPaceMinSpan();

        /**
         * How far past its deadline a running attempt's projected finish must be, as a multiple of the deadline, for
         * it to be stopped as {@code TooSlow} before the deadline comes.
         */
        @WithDefault("2")
        double runningPaceMargin();

        /** Attempts in all, the first included, of a step whose {@code retry} block does not say. */
        @WithDefault("3")
        int maxAttempts();

        /** A retry for memory gives the next attempt this many times the larger of its limit and its peak. */
        @WithDefault("2")
        double memoryFactor();

        /** No memory limit grows past this; a step killed for memory at it is given up. */
        @WithDefault("16Gi")
        String memoryCeiling();

        /** A memory sample at or above this share of the limit is "near the limit". */
        @WithDefault("0.9")
        double nearLimit();

        /** A memory sample this many times the attempt's median is a spike. */
        @WithDefault("3")
        double spikeFactor();

        /** The last this many values of the quality metric are weighed for convergence. */
        @WithDefault("3")
        int convergenceWindow();

        /** A rise of the metric smaller than this over the window counts as none. */
        @WithDefault("0.005")
        double convergenceMinDelta();

        /** RERUN_UPSTREAM decisions a run may have in all. */
        @WithDefault("2")
        int upstreamReruns();

        /** This many attempts in a row failing the same way with no more progress give up. */
        @WithDefault("3")
        int sameFailureLimit();

        /** Kinds (transient, permanent, memory, data-lost) by error class, over the built-in table. */
        Map<String, String> errorClasses();

        /** Kinds by process exit code, over the built-in table. */
        Map<String, String> exitCodes();

        /** The kind of a failure that neither table names. */
        @WithDefault("transient")
        String unknown();

        Budget budget();

        /** Retry budgets: retries (RETRY, RETRY_WITH_RESOURCES, RERUN_UPSTREAM) allowed per window. */
        interface Budget {

            @WithDefault("1h")
            Duration window();

            /** Per pipeline. */
            @WithDefault("100")
            int pipeline();

            /** Per tenant: the run's {@code tenant} parameter, or the source of the event that asked for it. */
            @WithDefault("200")
            int tenant();
        }
    }

    /** How often the outbox is sent. */
    @WithDefault("250ms")
    Duration relayInterval();

    /**
     * How long a replica's claim on the outbox events it sends lasts: no other replica sends them meanwhile, and the
     * events of a replica that died are sent by another this long after its claim. Longer than one send (10 s).
     */
    @WithDefault("30s")
    Duration relayLease();
}
