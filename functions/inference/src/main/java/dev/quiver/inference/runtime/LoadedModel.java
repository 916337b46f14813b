package dev.quiver.inference.runtime;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.quiver.inference.batching.DynamicBatcher;
import dev.quiver.inference.fallback.FallbackStep;
import dev.quiver.inference.modelconfig.ModelConfig;
import dev.quiver.inference.validation.FailureWindow;
import dev.quiver.inference.validation.GateReport;
import dev.quiver.inference.validation.OutputChecks;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * A model version that is loaded, warmed up and answering requests: its ONNX Runtime session (one, shared by all
 * threads), its batcher, and a count of the requests using it.
 *
 * <p>A version being replaced or removed is {@linkplain #retire() retired}: it takes no new requests, finishes those
 * that hold a lease, and closes its session when the last one is released. This is what lets a version be swapped
 * under load without a failed request.
 */
public final class LoadedModel {

    private static final Logger LOG = Logger.getLogger(LoadedModel.class);
    private static final int RETIRED = Integer.MIN_VALUE;

    private final String name;
    private final long version;
    private final ModelSignature signature;
    private final OrtSession session;
    private final DynamicBatcher batcher;
    private final LoadTimings loadTimings;
    private final ModelConfig config;
    private final OutputChecks outputChecks;
    private final List<FallbackStep> fallback;
    private final FailureWindow failures;
    private final String digest;
    private final GateReport gate;
    private final Path modelFile;
    private volatile String outOfService;
    private final AtomicInteger leases = new AtomicInteger();
    private final AtomicBoolean closed = new AtomicBoolean();

    LoadedModel(String name, long version, ModelSignature signature, OrtSession session, DynamicBatcher batcher,
                LoadTimings loadTimings, ModelConfig config, OutputChecks outputChecks, List<FallbackStep> fallback,
                String digest, GateReport gate, Path modelFile) {
        this.name = name;
        this.version = version;
        this.signature = signature;
        this.session = session;
        this.batcher = batcher;
        this.loadTimings = loadTimings;
        this.config = config;
        this.outputChecks = outputChecks;
        this.fallback = List.copyOf(fallback);
        this.failures = new FailureWindow(config.outputCheckFailures(), config.outputCheckWindow());
        this.digest = digest;
        this.gate = gate;
        this.modelFile = modelFile;
    }

    /**
     * The file it was loaded from (in the local copy, for a repository in object storage); the version's other files,
     * {@code baseline.json} and {@code validation/}, are beside it.
     */
    public Path modelFile() {
        return modelFile;
    }

    /** The configuration the version was loaded with. */
    public ModelConfig config() {
        return config;
    }

    /** What its answers are checked against before they go out. */
    public OutputChecks outputChecks() {
        return outputChecks;
    }

    /** What answers in its place, in order, when it times out, fails or fails its output checks. */
    public List<FallbackStep> fallback() {
        return fallback;
    }

    /** The SHA-256 of the model file it was loaded from. */
    public String digest() {
        return digest;
    }

    public GateReport gate() {
        return gate;
    }

    /**
     * Counts a checked answer; once too many of the latest failed, the version takes no new requests.
     *
     * @return the answer's violation when this answer took it out of service; null otherwise
     */
    public String answerChecked(String violation) {
        if (!failures.record(violation == null) || outOfService != null) {
            return null;
        }
        outOfService = failures.failures() + " of its last " + failures.window() + " answers failed the output "
                + "checks, the last: " + violation;
        return violation;
    }

    public FailureWindow failureWindow() {
        return failures;
    }

    /** Why the version was taken out of service for its answers, or null while it serves. */
    public String outOfService() {
        return outOfService;
    }

    public boolean inService() {
        return outOfService == null;
    }

    public String name() {
        return name;
    }

    public long version() {
        return version;
    }

    public ModelSignature signature() {
        return signature;
    }

    public DynamicBatcher batcher() {
        return batcher;
    }

    public LoadTimings loadTimings() {
        return loadTimings;
    }

    /** Takes a lease for one request; false once the version is retired. */
    public boolean tryAcquire() {
        while (true) {
            int current = leases.get();
            if (current < 0) {
                return false;
            }
            if (leases.compareAndSet(current, current + 1)) {
                return true;
            }
        }
    }

    public void release() {
        if (leases.decrementAndGet() == RETIRED) {
            close();
        }
    }

    /** Takes no new leases; closes when the last lease is released (at once if there is none). */
    public void retire() {
        if (leases.getAndUpdate(current -> current | RETIRED) == 0) {
            close();
        }
    }

    private void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        batcher.close();
        try {
            session.close();
            LOG.infof("model %s version %d unloaded", name, version);
        } catch (OrtException e) {
            LOG.warnf(e, "model %s version %d: closing its session failed", name, version);
        }
    }

    @Override
    public String toString() {
        return name + " version " + version;
    }
}
