package dev.quiver.inference.batch;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.inference.InferenceConfig;
import dev.quiver.inference.InferenceException;
import dev.quiver.storage.NoSuchObjectException;
import dev.quiver.storage.ObjectStore;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Claims on work (an object version, a shard of one, the merge of its shards), kept as objects in the output bucket
 * and taken with a conditional write, so that of the replicas handed one piece of work only one does it at a time;
 * the others answer 503 and are retried. A claim is renewed while its holder works, every third of
 * {@code quiver.batch.claim-timeout}, so work that outlasts the timeout keeps its claim; a claim not renewed for longer
 * than the timeout is taken to be a crashed replica's and is taken over.
 */
@ApplicationScoped
public class BatchClaims {

    private static final Logger LOG = Logger.getLogger(BatchClaims.class);
    private static final Duration RETRY_AFTER = Duration.ofSeconds(30);

    private final ObjectMapper mapper;
    private final Clock clock;
    private final Duration timeout;
    private final String owner = UUID.randomUUID().toString();
    private final Set<Held> held = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService renewals = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("quiver-claim-renewal").factory());

    /**
     * What a claim object holds: which replica claimed, when, and when it last renewed the claim (null in claims
     * written before claims were renewed).
     */
    public record Claim(String owner, Instant claimed, Instant renewed) {

        Instant alive() {
            return renewed == null ? claimed : renewed;
        }
    }

    @Inject
    public BatchClaims(ObjectMapper mapper, Clock clock, InferenceConfig config) {
        this(mapper, clock, config.batch().claimTimeout());
    }

    BatchClaims(ObjectMapper mapper, Clock clock, Duration timeout) {
        this.mapper = mapper;
        this.clock = clock;
        this.timeout = timeout;
        long period = Math.max(1, timeout.toMillis() / 3);
        renewals.scheduleAtFixedRate(this::renewHeld, period, period, TimeUnit.MILLISECONDS);
    }

    /**
     * Claims {@code key} for this replica until the answer is closed, renewing it meanwhile.
     *
     * @param what names the work in the refusal
     * @throws InferenceException 503 with {@code Retry-After} when another replica holds a live claim
     */
    public Held claim(ObjectStore store, String key, String what) {
        return tryHold(store, key, what).orElseThrow(() -> InferenceException.unavailable(what + ": another replica "
                + "has been processing it since " + read(store, key).map(Claim::claimed).map(Instant::toString)
                .orElse("just now") + "; retry later", RETRY_AFTER));
    }

    /**
     * Claims {@code key} as {@link #claim} does, or answers empty when another replica holds a live claim: for work
     * that whoever holds it will finish, where the one turned away has nothing to retry.
     */
    public Optional<Held> tryHold(ObjectStore store, String key, String what) {
        if (tryClaim(store, key)) {
            return Optional.of(hold(store, key, what));
        }
        Optional<Claim> current = read(store, key);
        Instant now = clock.instant();
        if (current.isPresent() && current.get().alive().plus(timeout).isAfter(now)) {
            LOG.debugf("%s: another replica has held %s since %s, last renewed %s", what, key,
                    current.get().claimed(), current.get().alive());
            return Optional.empty();
        }
        LOG.warnf("%s: taking over the claim %s, not renewed since %s, longer than %s ago", what, key,
                current.map(Claim::alive).map(Instant::toString).orElse("(unreadable)"), timeout);
        store.delete(key);
        return tryClaim(store, key) ? Optional.of(hold(store, key, what)) : Optional.empty();
    }

    /** Renews every claim this replica holds; run every third of the timeout. */
    void renewHeld() {
        for (Held claim : held) {
            try {
                claim.renew();
            } catch (RuntimeException e) {
                // the next round tries again; only a claim left unrenewed for the whole timeout is lost
                LOG.warnf("%s: cannot renew the claim %s: %s", claim.what, claim.key, e.getMessage());
            }
        }
    }

    @PreDestroy
    void stop() {
        renewals.shutdownNow();
    }

    private Held hold(ObjectStore store, String key, String what) {
        Held claim = new Held(store, key, what, clock.instant());
        held.add(claim);
        return claim;
    }

    private boolean tryClaim(ObjectStore store, String key) {
        Instant now = clock.instant();
        return write(key, new Claim(owner, now, now), file -> store.putIfAbsent(key, file, "application/json")
                .isPresent());
    }

    private interface Write {
        boolean to(Path file);
    }

    private boolean write(String key, Claim claim, Write write) {
        Path file = null;
        try {
            file = Files.createTempFile("quiver-claim", ".json");
            Files.write(file, mapper.writeValueAsBytes(claim));
            return write.to(file);
        } catch (IOException e) {
            throw new UncheckedIOException("claim " + key + ": " + e.getMessage(), e);
        } finally {
            if (file != null) {
                file.toFile().delete();
            }
        }
    }

    private Optional<Claim> read(ObjectStore store, String key) {
        try (InputStream in = store.open(key)) {
            return Optional.of(mapper.readValue(in, Claim.class));
        } catch (NoSuchObjectException e) {
            return Optional.empty();
        } catch (IOException e) {
            LOG.warnf("claim %s cannot be read: %s", key, e.getMessage());
            return Optional.empty();
        }
    }

    /** A claim this replica holds; closing it stops its renewal and gives it up. */
    public final class Held implements AutoCloseable {

        private final ObjectStore store;
        private final String key;
        private final String what;
        private final Instant claimed;

        private Held(ObjectStore store, String key, String what, Instant claimed) {
            this.store = store;
            this.key = key;
            this.what = what;
            this.claimed = claimed;
        }

        private void renew() {
            if (read(store, key).filter(claim -> owner.equals(claim.owner())).isEmpty()) {
                LOG.warnf("%s: the claim %s was taken over; no longer renewed", what, key);
                held.remove(this);
                return;
            }
            write(key, new Claim(owner, claimed, clock.instant()), file -> {
                store.put(key, file, "application/json");
                return true;
            });
        }

        /** Gives up this replica's claim; a claim taken over by another replica meanwhile is left alone. */
        @Override
        public void close() {
            held.remove(this);
            if (read(store, key).filter(claim -> owner.equals(claim.owner())).isPresent()) {
                store.delete(key);
            }
        }
    }
}
