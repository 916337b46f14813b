package dev.quiver.inference.batch;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.inference.InferenceConfig;
import dev.quiver.inference.InferenceException;
import dev.quiver.storage.NoSuchObjectException;
import dev.quiver.storage.ObjectStore;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Claims on object versions, kept as objects in the output bucket and taken with a conditional write, so that of the
 * replicas notified of one version only one works on it at a time; the others answer 503 and are retried, by then
 * to find the completion record. A claim older than {@code quiver.batch.claim-timeout} is taken to be a crashed
 * replica's and is taken over.
 */
@ApplicationScoped
public class BatchClaims {

    private static final Logger LOG = Logger.getLogger(BatchClaims.class);
    private static final Duration RETRY_AFTER = Duration.ofSeconds(30);

    private final ObjectMapper mapper;
    private final Clock clock;
    private final Duration timeout;
    private final String owner = UUID.randomUUID().toString();

    /** What a claim object holds: which replica claimed, and when. */
    public record Claim(String owner, Instant claimed) {
    }

    public BatchClaims(ObjectMapper mapper, Clock clock, InferenceConfig config) {
        this.mapper = mapper;
        this.clock = clock;
        this.timeout = config.batch().claimTimeout();
    }

    /**
     * Claims {@code key} for this replica.
     *
     * @param what names the work in the refusal
     * @throws InferenceException 503 with {@code Retry-After} when another replica holds a live claim
     */
    public void claim(ObjectStore store, String key, String what) {
        if (tryClaim(store, key)) {
            return;
        }
        Optional<Claim> held = read(store, key);
        Instant now = clock.instant();
        if (held.isPresent() && held.get().claimed().plus(timeout).isAfter(now)) {
            throw InferenceException.unavailable(what + ": another replica has been processing it since "
                    + held.get().claimed() + "; retry later", RETRY_AFTER);
        }
        LOG.warnf("%s: taking over the claim %s of %s, older than %s", what, key,
                held.map(Claim::claimed).map(Instant::toString).orElse("(unreadable)"), timeout);
        store.delete(key);
        if (!tryClaim(store, key)) {
            throw InferenceException.unavailable(what + ": another replica claimed it first; retry later",
                    RETRY_AFTER);
        }
    }

    /** Gives up this replica's claim; a claim taken over by another replica meanwhile is left alone. */
    public void release(ObjectStore store, String key) {
        if (read(store, key).filter(claim -> owner.equals(claim.owner())).isPresent()) {
            store.delete(key);
        }
    }

    private boolean tryClaim(ObjectStore store, String key) {
        Path file = null;
        try {
            file = Files.createTempFile("quiver-claim", ".json");
            Files.write(file, mapper.writeValueAsBytes(new Claim(owner, clock.instant())));
            return store.putIfAbsent(key, file, "application/json").isPresent();
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
}
