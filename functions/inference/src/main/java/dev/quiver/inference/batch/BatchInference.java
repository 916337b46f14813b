package dev.quiver.inference.batch;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.TokenBuffer;
import dev.quiver.events.inference.BatchCompleted;
import dev.quiver.inference.InferenceConfig;
import dev.quiver.inference.InferenceException;
import dev.quiver.inference.http.RequestIds;
import dev.quiver.inference.protocol.v1.InstancesCodec;
import dev.quiver.inference.protocol.v1.InstancesRequest;
import dev.quiver.inference.repository.ModelRegistry;
import dev.quiver.inference.runtime.LoadedModel;
import dev.quiver.inference.serving.InferenceService;
import dev.quiver.inference.serving.ServedInference;
import dev.quiver.storage.NoSuchObjectException;
import dev.quiver.storage.ObjectKeys;
import dev.quiver.storage.ObjectStore;
import dev.quiver.storage.StoredObject;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * Runs the rows of one object version through a model: reads them as a stream, sends them in chunks through the same
 * service and batcher as HTTP requests, writes one result line per row that succeeded and one error line per row that
 * failed (a chunk refused as a whole is retried row by row, so only the bad rows fail), and stores the results, the
 * errors, then a completion record, each whole or not at all. Keys follow from the input's identity and version, so
 * a redelivered notification finds the completion record and changes nothing, a new version is processed anew, and a
 * crash midway leaves no completion record, only objects that the retry overwrites with the same content. Across
 * replicas, a claim ({@link BatchClaims}) keeps a second replica from starting on a version under way, and the
 * completion record is written only where none is, so one version gets one completion event.
 */
@ApplicationScoped
public class BatchInference {

    private static final Logger LOG = Logger.getLogger(BatchInference.class);

    private final InferenceService service;
    private final ModelRegistry registry;
    private final BucketStores stores;
    private final BatchClaims claims;
    private final ObjectMapper mapper;
    private final int chunkRows;
    private final long maxElements;
    private final Map<String, CompletableFuture<BatchCompleted>> running = new ConcurrentHashMap<>();

    public BatchInference(InferenceService service, ModelRegistry registry, BucketStores stores, BatchClaims claims,
                          ObjectMapper mapper, InferenceConfig config) {
        this.service = service;
        this.registry = registry;
        this.stores = stores;
        this.claims = claims;
        this.mapper = mapper;
        this.chunkRows = Math.max(1, config.batch().chunkRows());
        this.maxElements = config.inference().maxRequestSize().asLongValue();
    }

    /**
     * Processes the object version once, even when notifications for it arrive together; blocks, so never on an
     * event loop. {@link BatchOutcome#fresh()} tells whether this call did the work.
     */
    public BatchOutcome run(ObjectCreated object, BatchRule rule) {
        // a notification without a version is pinned to the one the store has now, which also proves it exists
        boolean exists = object.version().isEmpty();
        String version = exists ? currentVersion(object) : object.version();
        String identity = stores.locate(object.provider(), object.bucket(), object.key()) + "#" + version;
        CompletableFuture<BatchCompleted> mine = new CompletableFuture<>();
        CompletableFuture<BatchCompleted> first = running.putIfAbsent(identity, mine);
        if (first != null) {
            return new BatchOutcome(first.join(), false);
        }
        try {
            BatchOutcome outcome = process(object, version, exists, rule);
            mine.complete(outcome.completed());
            return outcome;
        } catch (RuntimeException e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            running.remove(identity, mine);
        }
    }

    private BatchOutcome process(ObjectCreated object, String version, boolean exists, BatchRule rule) {
        ObjectStore output = stores.bucket(object.provider(), rule.outputBucket());
        String base = rule.outputPrefix() + "/" + rule.model();
        String doneKey = base + "/_done/" + object.key() + "." + version + ".json";
        // the longest key of its results: the errors beside them, under a model version of up to 19 digits
        requireKeyFits(base + "/" + "9".repeat(19) + "/" + object.key() + "." + version + ".errors.jsonl", object,
                version);
        Optional<BatchCompleted> done = readDone(output, doneKey);
        if (done.isPresent()) {
            LOG.infof("batch %s version %s: already processed, results at %s", object.key(), version,
                    done.get().output());
            return new BatchOutcome(done.get(), false);
        }
        // a key naming a folder, or an object deleted since, can never be read: refused before any claim is taken
        if (!exists && stores.bucket(object.provider(), object.bucket()).head(object.key()).isEmpty()) {
            throw missing(object);
        }
        String claimKey = base + "/_claims/" + object.key() + "." + version + ".json";
        try (BatchClaims.Held claim = claims.claim(output, claimKey, "batch " + object.key() + " version "
                + version)) {
            return processClaimed(object, version, rule, output, base, doneKey);
        }
    }

    private static void requireKeyFits(String longest, ObjectCreated object, String version) {
        try {
            ObjectKeys.validate(longest);
        } catch (IllegalArgumentException e) {
            throw new InvalidNotificationException(InvalidNotificationException.BAD_KEY, "notification: object "
                    + InferenceException.shown(object.key())
                    + " version " + InferenceException.shown(version) + " cannot name its results: "
                    + InferenceException.shown(e.getMessage()));
        }
    }

    private BatchOutcome processClaimed(ObjectCreated object, String version, BatchRule rule, ObjectStore output,
                                        String base, String doneKey) {
        Path results = null;
        Path errors = null;
        try {
            results = Files.createTempFile("quiver-results", ".jsonl");
            errors = Files.createTempFile("quiver-errors", ".jsonl");
            Tally tally = new Tally(rule.version().orElse(""));
            try (InputStream in = stores.bucket(object.provider(), object.bucket()).open(object.key());
                 BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
                 BufferedWriter resultLines = Files.newBufferedWriter(results);
                 BufferedWriter errorLines = Files.newBufferedWriter(errors)) {
                Sink sink = new Sink(resultLines, errorLines, tally);
                InputRows rows = new InputRows(reader, mapper, rule);
                List<InputRow> chunk = new ArrayList<>(chunkRows);
                while (rows.hasNext()) {
                    InputRow row = rows.next();
                    if (!row.readable()) {
                        sink.failed(row, row.error());
                        continue;
                    }
                    chunk.add(row);
                    if (chunk.size() == chunkRows) {
                        runChunk(rule, chunk, sink);
                        chunk.clear();
                    }
                }
                if (!chunk.isEmpty()) {
                    runChunk(rule, chunk, sink);
                }
            }
            String modelVersion = tally.modelVersion.isEmpty() ? servedVersion(rule) : tally.modelVersion;
            String prefix = base + "/" + modelVersion + "/" + object.key() + "." + version;
            output.put(prefix + ".jsonl", results, "application/jsonl");
            output.put(prefix + ".errors.jsonl", errors, "application/jsonl");
            BatchCompleted completed = new BatchCompleted(locate(object, object.bucket(), object.key()), version,
                    rule.model(), modelVersion, locate(object, rule.outputBucket(), prefix + ".jsonl"),
                    locate(object, rule.outputBucket(), prefix + ".errors.jsonl"), tally.rows, tally.succeeded,
                    tally.failed);
            Files.write(results, mapper.writeValueAsBytes(completed));
            if (output.putIfAbsent(doneKey, results, "application/json").isEmpty()) {
                // a replica that took over a claim it thought stale finished first: its completion stands
                BatchCompleted theirs = readDone(output, doneKey).orElseThrow(() -> new IllegalStateException(
                        "completion record " + doneKey + " exists but cannot be read"));
                LOG.infof("batch %s version %s: completed meanwhile by another replica", object.key(), version);
                return new BatchOutcome(theirs, false);
            }
            LOG.infof("batch %s version %s: %d rows, %d answered by %s version %s, %d failed", object.key(), version,
                    tally.rows, tally.succeeded, rule.model(), modelVersion, tally.failed);
            return new BatchOutcome(completed, true);
        } catch (NoSuchObjectException e) {
            throw new InvalidNotificationException(InvalidNotificationException.NO_OBJECT, "object " + object.key()
                    + " in bucket " + object.bucket() + " is gone: " + e.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException("batch " + object.key() + ": " + e.getMessage(), e);
        } finally {
            delete(results);
            delete(errors);
        }
    }

    private void runChunk(BatchRule rule, List<InputRow> chunk, Sink sink) throws IOException {
        try {
            write(infer(rule, chunk), chunk, sink);
        } catch (InferenceException e) {
            // a model that is missing or not ready fails the notification, not its rows: 404 is dropped, 503 retried
            if (e.kind().status() >= 500 || e.kind() == InferenceException.Kind.NOT_FOUND) {
                throw e;
            }
            if (chunk.size() == 1) {
                sink.failed(chunk.getFirst(), e.getMessage());
                return;
            }
            for (InputRow row : chunk) {
                runChunk(rule, List.of(row), sink);
            }
        }
    }

    private ServedInference<InstancesRequest> infer(BatchRule rule, List<InputRow> chunk) throws IOException {
        TokenBuffer instances = new TokenBuffer(mapper, false);
        instances.writeStartArray();
        for (InputRow row : chunk) {
            mapper.writeTree(instances, row.instance());
        }
        instances.writeEndArray();
        try {
            String requestId = RequestIds.current() + "-" + chunk.getFirst().line();
            return service.infer("batch", requestId, rule.model(), rule.version(), model -> {
                try (JsonParser parser = instances.asParser(mapper)) {
                    parser.nextToken();
                    return InstancesCodec.read(parser, model.name(), model.signature(), "instances", maxElements);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).toCompletableFuture().join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException cause ? cause : e;
        }
    }

    private void write(ServedInference<InstancesRequest> served, List<InputRow> chunk, Sink sink)
            throws IOException {
        TokenBuffer predictions = new TokenBuffer(mapper, false);
        InstancesCodec.writePredictions(predictions, served.outputs());
        JsonNode answers = mapper.readTree(predictions.asParser(mapper));
        String modelVersion = Long.toString(served.version());
        for (int i = 0; i < chunk.size(); i++) {
            sink.succeeded(chunk.get(i), answers.get(i), modelVersion);
        }
    }

    private Optional<BatchCompleted> readDone(ObjectStore output, String key) {
        if (output.head(key).isEmpty()) {
            return Optional.empty();
        }
        try (InputStream in = output.open(key)) {
            return Optional.of(mapper.readValue(in, BatchCompleted.class));
        } catch (NoSuchObjectException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("completion record " + key + ": " + e.getMessage(), e);
        }
    }

    private String currentVersion(ObjectCreated object) {
        return stores.bucket(object.provider(), object.bucket()).head(object.key()).map(StoredObject::version)
                .orElseThrow(() -> missing(object));
    }

    /** Where an object in the store of the notified object's provider is. */
    private String locate(ObjectCreated object, String bucket, String key) {
        return stores.locate(object.provider(), bucket, key);
    }

    private static InvalidNotificationException missing(ObjectCreated object) {
        return new InvalidNotificationException(InvalidNotificationException.NO_OBJECT, "object "
                + InferenceException.shown(object.key()) + " in bucket " + object.bucket() + ": does not exist (a key "
                + "naming a folder names no object)");
    }

    /** The version that would have answered: an object without rows still has its results under a model version. */
    private String servedVersion(BatchRule rule) {
        LoadedModel model = registry.acquire(rule.model(), rule.version());
        try {
            return Long.toString(model.version());
        } finally {
            model.release();
        }
    }

    /** The completion of an object version, and whether this run produced it or found it done. */
    public record BatchOutcome(BatchCompleted completed, boolean fresh) {
    }

    private static void delete(Path file) {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                LOG.warnf("cannot delete temporary file %s: %s", file, e.getMessage());
            }
        }
    }

    private static final class Tally {
        private String modelVersion;
        private long rows;
        private long succeeded;
        private long failed;

        private Tally(String modelVersion) {
            this.modelVersion = modelVersion;
        }
    }

    /** Writes result and error lines as rows finish, in input order within each chunk. */
    private final class Sink {
        private final BufferedWriter results;
        private final BufferedWriter errors;
        private final Tally tally;

        private Sink(BufferedWriter results, BufferedWriter errors, Tally tally) {
            this.results = results;
            this.errors = errors;
            this.tally = tally;
        }

        void succeeded(InputRow row, JsonNode outputs, String modelVersion) throws IOException {
            ObjectNode line = mapper.createObjectNode();
            line.put("id", row.id());
            line.put("model_version", modelVersion);
            line.set("outputs", outputs);
            results.write(mapper.writeValueAsString(line));
            results.newLine();
            tally.modelVersion = modelVersion;
            tally.rows++;
            tally.succeeded++;
        }

        void failed(InputRow row, String error) throws IOException {
            ObjectNode line = mapper.createObjectNode();
            line.put("id", row.id());
            line.put("line", row.line());
            line.put("error", error);
            errors.write(mapper.writeValueAsString(line));
            errors.newLine();
            tally.rows++;
            tally.failed++;
        }
    }
}
