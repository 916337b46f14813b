package dev.quiver.inference.batch;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.TokenBuffer;
import dev.quiver.admission.http.RequestIds;
import dev.quiver.inference.InferenceConfig;
import dev.quiver.inference.InferenceException;
import dev.quiver.inference.protocol.v1.InstancesCodec;
import dev.quiver.inference.protocol.v1.InstancesRequest;
import dev.quiver.inference.serving.InferenceService;
import dev.quiver.inference.serving.ServedInference;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
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
import java.util.concurrent.CompletionException;

/**
 * Runs rows read from a stream through a rule's model: sends them in chunks through the same service and batcher as
 * HTTP requests, writes one result line per row that succeeded and one error line per row that failed (a chunk
 * refused as a whole is retried row by row, so only the bad rows fail). A whole object and a shard of one run the same
 * way; a shard's rows keep the line numbers they have in the whole object.
 */
@ApplicationScoped
public class RowRunner {

    private final InferenceService service;
    private final ObjectMapper mapper;
    private final int chunkRows;
    private final long maxElements;
    private final MeterRegistry meters;

    public RowRunner(InferenceService service, ObjectMapper mapper, InferenceConfig config, MeterRegistry meters) {
        this.service = service;
        this.mapper = mapper;
        this.chunkRows = Math.max(1, config.batch().chunkRows());
        this.maxElements = config.inference().maxRequestSize().asLongValue();
        this.meters = meters;
    }

    /** What a run of rows came to: the model version that answered (the rule's, or empty when no row was answered). */
    public record Counts(String modelVersion, long rows, long succeeded, long failed) {
    }

    /**
     * Runs the rows of {@code in} (UTF-8 text), numbering them from line {@code lineOffset + 1}, and writes their
     * result and error lines to the two files.
     */
    public Counts run(InputStream in, BatchRule rule, long lineOffset, Path results, Path errors) throws IOException {
        Tally tally = new Tally(rule.version().orElse(""),
                Counter.builder("quiver_batch_rows_total").description("rows of stored objects run through a model")
                        .tag("model", rule.model()).register(meters));
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
             BufferedWriter resultLines = Files.newBufferedWriter(results);
             BufferedWriter errorLines = Files.newBufferedWriter(errors)) {
            Sink sink = new Sink(resultLines, errorLines, tally);
            InputRows rows = new InputRows(reader, mapper, rule, lineOffset);
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
        return new Counts(tally.modelVersion, tally.rows, tally.succeeded, tally.failed);
    }

    private void runChunk(BatchRule rule, List<InputRow> chunk, Sink sink) throws IOException {
        try {
            write(infer(rule, chunk), chunk, sink);
        } catch (InferenceException e) {
            // a model that is missing or not ready fails the notification, not its rows: 404 is dropped, 503 retried;
            // rows whose answers fail the model's output checks are listed with their error like refused rows
            if ((e.kind().status() >= 500 && e.kind() != InferenceException.Kind.OUTPUT_REFUSED)
                    || e.kind() == InferenceException.Kind.NOT_FOUND) {
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

    private static final class Tally {
        private final Counter counted;
        private String modelVersion;
        private long rows;
        private long succeeded;
        private long failed;

        private Tally(String modelVersion, Counter counted) {
            this.modelVersion = modelVersion;
            this.counted = counted;
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
            tally.counted.increment();
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
            tally.counted.increment();
        }
    }
}
