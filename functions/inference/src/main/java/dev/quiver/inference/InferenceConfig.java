package dev.quiver.inference;

import dev.quiver.inference.demand.DemandConfig;
import dev.quiver.inference.monitoring.MonitoringConfig;
import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** The inference function's settings (MicroProfile Config; each is also an environment variable). */
@ConfigMapping(prefix = "quiver")
public interface InferenceConfig {

    /**
     * The model repository, laid out {@code <model>/<version>/model.onnx} with an optional
     * {@code <model>/config.json|yaml}: a folder, or {@code s3://bucket/prefix} in the S3-compatible store of
     * {@code quiver.storage.s3.*}. {@code QUIVER_MODEL_REPOSITORY}.
     */
    @WithDefault("models")
    String modelRepository();

    Inference inference();

    Storage storage();

    Batch batch();

    /** The shared pool ({@code quiver.pool.*}), whose file the orchestration function reads too. */
    Pool pool();

    /**
     * Where buckets are: a folder with one subfolder per bucket, or {@code s3} for the S3-compatible store of
     * {@code quiver.storage.s3.*} ({@link dev.quiver.storage.S3Config}).
     */
    interface Storage {

        /** A folder path (each bucket a subfolder), or {@code s3}. {@code QUIVER_STORAGE_ROOT}. */
        @WithDefault("buckets")
        String root();

        /**
         * Where the containers that Azure Blob Storage notifications name are read and their results written:
         * {@code root}, buckets of {@link #root()} (the blobs mirrored there), or {@code azure}, the account of
         * {@code quiver.storage.azure.*} ({@link dev.quiver.storage.AzureConfig}).
         * {@code QUIVER_STORAGE_AZURE_NOTIFICATIONS}.
         */
        @WithDefault("root")
        AzureContainers azureNotifications();

        /** The store of the containers Azure notifications name. */
        enum AzureContainers {
            ROOT, AZURE
        }
    }

    /** Storage-triggered batch inference. */
    interface Batch {

        /** Which objects go to which model (see README); no object is processed when unset. */
        Optional<Path> rulesFile();

        /** Rows sent to the model together (they still merge with other requests in the batcher). */
        @WithDefault("256")
        int chunkRows();

        /**
         * How long a replica's claim on an object version holds off the others without being renewed; its holder
         * renews it every third of this while it works, so a claim not renewed for this long is a crashed replica's
         * and is taken over.
         */
        @WithDefault("15m")
        Duration claimTimeout();

        /**
         * Where the shard events of an object split by its rule's {@code shard-size} go: the broker (Knative's
         * {@code K_SINK}), whose Trigger hands them to any replica. Without one the shards run in this process.
         */
        Optional<URI> sink();
    }

    interface Pool {
        /** The pool file: what one replica of this function serves at once and holds ({@code serving}). */
        Optional<Path> file();
    }

    interface Inference {

        /** How often the repository is checked for new, changed and removed versions. */
        @WithDefault("2s")
        Duration pollInterval();

        /** Largest request body accepted; larger ones get a 413. */
        @WithDefault("64M")
        MemorySize maxRequestSize();

        /**
         * Longest request target (path and query) accepted; longer ones get a 414. Below the HTTP layer's own limit
         * ({@code quarkus.http.limits.max-initial-line-length}), past which the answer has no body.
         */
        @WithDefault("8K")
        MemorySize maxUriLength();

        /**
         * Most header bytes accepted; more get a 431. Below the HTTP layer's own limit
         * ({@code quarkus.http.limits.max-header-size}), past which the answer has no body.
         */
        @WithDefault("20K")
        MemorySize maxHeaderSize();

        /** Where a model repository in object storage is copied to, to be loaded from. */
        @WithDefault("${java.io.tmpdir}/quiver-model-cache")
        Path repositoryCache();

        /** The {@code Retry-After} sent with a 503 while a model is loading or not ready. */
        @WithDefault("5s")
        Duration notReadyRetryAfter();

        /**
         * A request's deadline for models whose configuration sets no {@code timeout_ms}; callers may ask for less
         * (header {@code Quiver-Timeout-Ms}, v2 {@code parameters.timeout_ms}). 0 sets none. Files of batch inference
         * have none.
         */
        @WithDefault("30s")
        Duration timeout();

        Batching batching();

        OutputChecks outputChecks();

        PredictionLog predictionLog();

        /** Serving demand reports to the shared pool. */
        DemandConfig demand();

        /** Model age, prediction statistics and live accuracy from labels. */
        MonitoringConfig monitoring();

        /** Model rollouts: canaries judged step by step (README, "Rolling out a model safely"). */
        Rollout rollout();

        /**
         * Where alert CloudEvents go ({@code dev.quiver.inference.version.alert.raised},
         * {@code dev.quiver.model.alert.raised}), e.g. Knative's K_SINK; only the log when unset.
         */
        Optional<URI> alertSink();

        /** Served inputs compared with each version's training baseline ({@code baseline.json}). */
        Drift drift();

        /** The golden sets of {@code validation/validation.json}, run again on every serving version. */
        GoldenSet goldenSet();

        Shadow shadow();
    }

    /** Feature drift; a model's {@code drift} block sets its thresholds, window and sampling. */
    interface Drift {

        /** Off, no input is sampled and nothing is compared: serving pays nothing for drift. */
        @WithDefault("true")
        boolean enabled();

        /** Sampled requests waiting for the drift thread at most; past it samples are dropped and counted. */
        @WithDefault("256")
        int queue();

        /** Items of one sampled request that are taken, at most (the first ones). */
        @WithDefault("16")
        int maxItemsPerRequest();
    }

    /** Golden-set runs on a schedule; a model's {@code golden_set.interval} overrides the interval. */
    interface GoldenSet {

        /** Off, golden sets run only at the validity gate. */
        @WithDefault("true")
        boolean enabled();

        /** How often each serving version with a golden set runs it again. */
        @WithDefault("10m")
        Duration interval();
    }

    /** Shadow scoring: copies of requests run on a candidate version, off the answer's path. */
    interface Shadow {

        /**
         * Threads that run shadow copies, for all models, taking the models' waiting copies in turn; the candidate
         * never runs on a caller's thread.
         */
        @WithDefault("1")
        int threads();

        /**
         * Shadow copies of one model waiting for a thread (each model has a line of its own, so a slow candidate
         * crowds out no other model's copies); a copy that finds its model's line full is dropped and counted.
         */
        @WithDefault("64")
        int queue();

        /** Longest a shadow copy may wait for its candidate's answer before it counts as an error. */
        @WithDefault("30s")
        Duration timeout();
    }

    /**
     * Model rollouts. The state is kept in the model repository ({@code <model>/rollout.json}); these are the
     * controller's pace and the defaults of what a rollout that names none is judged on.
     */
    interface Rollout {

        /** How often each replica publishes its figures and, when a step has baked, judges it. */
        @WithDefault("10s")
        Duration tick();

        /** The canary's weights, step by step, when a rollout names none. */
        @WithDefault("5,25,50,100")
        List<Integer> steps();

        /** How long each step runs before it is judged, when a rollout names none. */
        @WithDefault("2m")
        Duration bake();

        /** Requests the canary (and the stable version) must have served in a step before it is judged. */
        @WithDefault("100")
        long minRequests();

        /** How far the canary's fault rate may be above the stable version's, as a share (0.01: 1 point). */
        @WithDefault("0.01")
        double maxFaultRateIncrease();

        /** How far the canary's output-check failure rate may be above the stable version's, as a share. */
        @WithDefault("0.01")
        double maxOutputCheckFailureIncrease();

        /** The latency percentile compared, as a share (0.99: p99). */
        @WithDefault("0.99")
        double latencyQuantile();

        /** How many times the stable version's latency the canary's may be. */
        @WithDefault("1.5")
        double maxLatencyRatio();

        /** A canary slower than the ratio by less than this is not rolled back for it (noise on fast models). */
        @WithDefault("5ms")
        Duration minLatencyIncrease();

        /** This replica's name in the figures it publishes; its host name and a random part when unset. */
        Optional<String> replica();
    }

    /** Checks of every answer before it goes out: NaN and infinite values, and the ranges a version declares. */
    interface OutputChecks {

        /** Off, answers go out unchecked (and no version is taken out of service for its answers). */
        @WithDefault("true")
        boolean enabled();

        /** Failed answers within the window that take a version out of service (a model's output_checks.failures). */
        @WithDefault("10")
        int failures();

        /** The latest checked answers of a version that count (a model's output_checks.window). */
        @WithDefault("50")
        int window();
    }

    /**
     * The prediction log: request and response events on the {@code predictions} channel, kept in memory unless the
     * channel is given to Kafka ({@code mp.messaging.outgoing.predictions.connector=smallrye-kafka}).
     */
    interface PredictionLog {

        /** Off by default: a log holds callers' inputs, so a deployment decides to keep one. */
        @WithDefault("false")
        boolean enabled();

        /** The share of predictions logged, from 0 to 1, each chosen at random. */
        @WithDefault("1")
        double sampleRate();

        /** Names of input and output tensors logged without their elements (shape and datatype are kept). */
        Optional<Set<String>> redact();

        /** A tensor whose elements take more bytes than this is logged without them, marked truncated. */
        @WithDefault("16K")
        MemorySize maxTensorSize();

        /** Events waiting for the sink at most; while that many wait, predictions are not logged (counted dropped). */
        @WithDefault("1024")
        int capacity();

        /** The CloudEvents {@code source} of the events. */
        @WithDefault("/quiver/inference")
        String source();
    }

    /** Defaults for models whose configuration does not set them. */
    interface Batching {

        /** Items merged into one run, for models whose inputs and outputs all have a dynamic first dimension. */
        @WithDefault("32")
        int maxBatchSize();

        /** Longest a request waits for others to join its batch (only while more requests are arriving). */
        @WithDefault("2ms")
        Duration maxQueueDelay();

        /**
         * An idle model whose runs take less than this runs on the event-loop thread that parsed the request: for a
         * short run, handing it to a batcher thread and back costs more than the run. 0 never does.
         */
        @WithDefault("3ms")
        Duration inlineMaxCompute();
    }
}
