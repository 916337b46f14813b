package dev.quiver.inference.runtime;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.quiver.inference.batching.DynamicBatcher;
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
    private final AtomicInteger leases = new AtomicInteger();
    private final AtomicBoolean closed = new AtomicBoolean();

    LoadedModel(String name, long version, ModelSignature signature, OrtSession session, DynamicBatcher batcher,
                LoadTimings loadTimings) {
        this.name = name;
        this.version = version;
        this.signature = signature;
        this.session = session;
        this.batcher = batcher;
        this.loadTimings = loadTimings;
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
