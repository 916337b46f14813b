package dev.quiver.inference.batch;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.events.EventCodec;
import dev.quiver.events.EventTypes;
import dev.quiver.events.inference.BatchCompleted;
import dev.quiver.events.inference.ShardRequested;
import dev.quiver.inference.InferenceConfig;
import dev.quiver.inference.InferenceException;
import dev.quiver.inference.fixtures.Digits;
import dev.quiver.inference.fixtures.Readiness;
import dev.quiver.inference.repository.ModelRegistry;
import dev.quiver.storage.AzureConfig;
import dev.quiver.storage.ObjectStore;
import dev.quiver.storage.S3Config;
import io.cloudevents.CloudEvent;
import io.cloudevents.http.HttpMessageFactory;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;

/**
 * Objects larger than their rule's {@code shard-size}, in a real S3-compatible store, split into shards, run and
 * merged: the results and errors are byte for byte those of the whole object run at once, every row runs once however
 * replicas race for the shards, and one merge writes one completion.
 */
@QuarkusTest
@WithTestResource(S3Buckets.class)
class ShardedBatchTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final BatchRule LINES = new BatchRule("incoming", "sharded-lines/", "", "digits", Optional.empty(),
            InputFormat.JSONL, false, Optional.empty(), "results", "predictions", Optional.of(new ShardSize(0, 7)));

    @Inject
    ShardWork work;
    @Inject
    BucketStores stores;
    @Inject
    RowRunner runner;
    @Inject
    ModelRegistry registry;
    @Inject
    ObjectMapper mapper;
    @Inject
    Clock clock;
    @Inject
    MeterRegistry meters;
    @Inject
    InferenceConfig config;
    @Inject
    EventCodec codec;
    @Inject
    S3Config s3Config;
    @Inject
    AzureConfig azureConfig;

    @BeforeEach
    void modelsLoaded() {
        Readiness.awaitReady();
    }

    @Test
    void aCsvSplitIntoShardsGivesTheResultsAndErrorsOfTheWholeFileByteForByte() throws Exception {
        String content = csv(60);
        String name = UUID.randomUUID() + ".csv";
        double planned = counter("quiver_batch_shards_planned_total");

        JsonNode whole = notify("digits/" + name, content);
        JsonNode sharded = notify("sharded/" + name, content);

        assertThat(counter("quiver_batch_shards_planned_total") - planned).as("2 KB shards of %d bytes",
                content.length()).isGreaterThanOrEqualTo(content.length() / 2048);
        assertSameOutcome(whole, sharded);
        assertThat(sharded.get("rows").asLong()).isEqualTo(60 + 6);
        assertThat(sharded.get("failed").asLong()).isEqualTo(6);
        assertThat(S3Buckets.keys("results", "predictions/digits/_shards/sharded/" + name)).as("parts removed")
                .isEmpty();
        assertThat(S3Buckets.keys("results", "predictions/digits/_claims/sharded/" + name)).as("claims given up")
                .isEmpty();
    }

    @Test
    void jsonLinesSplitByRowsKeepTheirLineNumbersAsIdsAndInErrors() throws Exception {
        String content = jsonLines(40);
        String name = UUID.randomUUID() + ".jsonl";

        JsonNode whole = notify("lines/" + name, content);
        JsonNode sharded = notify("sharded-lines/" + name, content);

        assertSameOutcome(whole, sharded);
        assertThat(bytes(sharded.get("errors").asText())).contains("\"line\":15", "\"line\":32");
    }

    @Test
    void twoReplicasRacingForEveryShardRunEachRowOnceAndCompleteOnce() throws Exception {
        String content = jsonLines(40);
        String name = UUID.randomUUID() + ".jsonl";
        JsonNode whole = notify("lines/" + name, content);
        List<ShardRequested> shards = plan("sharded-lines/" + name, content);
        ShardWork other = otherReplica();
        double rows = counter("quiver_batch_rows_total");
        List<BatchCompleted> completions = new CopyOnWriteArrayList<>();

        try (ExecutorService threads = Executors.newFixedThreadPool(2)) {
            for (ShardRequested shard : shards) {
                race(threads, work, shard, other, shard).forEach(done -> done.ifPresent(completions::add));
            }
        }

        assertThat(counter("quiver_batch_rows_total") - rows).as("every row of the file run once")
                .isEqualTo(whole.get("rows").asDouble());
        assertThat(completions).as("one completion").hasSize(1);
        assertSameOutcome(whole, JSON.readTree(JSON.writeValueAsBytes(completions.getFirst())));
    }

    @Test
    void theMergeHappensOnceWhenTheLastTwoShardsFinishTogether() throws Exception {
        ShardWork other = otherReplica();
        for (int attempt = 0; attempt < 3; attempt++) {
            String content = jsonLines(40);
            String key = "sharded-lines/" + UUID.randomUUID() + ".jsonl";
            List<ShardRequested> shards = plan(key, content);
            for (ShardRequested shard : shards.subList(0, shards.size() - 2)) {
                assertThat(work.run(shard, LINES)).isEmpty();
            }
            List<BatchCompleted> completions = new CopyOnWriteArrayList<>();
            try (ExecutorService threads = Executors.newFixedThreadPool(2)) {
                race(threads, work, shards.get(shards.size() - 2), other, shards.getLast())
                        .forEach(done -> done.ifPresent(completions::add));
            }
            assertThat(completions).as("attempt %d: one merge, one completion", attempt).hasSize(1);
            assertThat(completions.getFirst().rows()).isEqualTo(40 + 2);
            assertThat(S3Buckets.keys("results", "predictions/digits/_shards/" + key)).isEmpty();
        }
    }

    @Test
    void aShardRecordThatLandsAgainAfterTheMergeIsRemovedByItsShard() throws Exception {
        String content = jsonLines(40);
        String key = "sharded-lines/" + UUID.randomUUID() + ".jsonl";
        List<ShardRequested> shards = plan(key, content);
        for (ShardRequested shard : shards.subList(0, shards.size() - 2)) {
            assertThat(work.run(shard, LINES)).isEmpty();
        }
        ShardRequested merging = shards.get(shards.size() - 2);
        List<Optional<BatchCompleted>> merged = new ArrayList<>();
        ShardWork late = new ShardWork(writingTwice(shards.getLast().shard(), () -> merged.add(work.run(merging,
                LINES))), new BatchClaims(mapper, clock, config.batch().claimTimeout()), runner, registry, mapper,
                clock, meters);

        assertThat(late.run(shards.getLast(), LINES)).isEmpty();

        assertThat(merged).as("the other shard merged while the late record was on its way").hasSize(1);
        assertThat(merged.getFirst()).hasValueSatisfying(completed -> assertThat(completed.rows()).isEqualTo(42));
        assertThat(S3Buckets.keys("results", "predictions/digits/_shards/" + key)).isEmpty();
    }

    @Test
    void shardEventsFromTheBrokerRunAndTheLastIsAnsweredWithTheOneCompletionEvent() throws Exception {
        String content = jsonLines(40);
        String name = UUID.randomUUID() + ".jsonl";
        JsonNode whole = notify("lines/" + name, content);
        List<ShardRequested> shards = plan("sharded-lines/" + name, content);

        for (ShardRequested shard : shards.subList(0, shards.size() - 1)) {
            post(event(shard)).then().statusCode(202);
        }
        CloudEvent last = event(shards.getLast());
        Response completion = post(last);
        completion.then().statusCode(200);
        assertThat(completion.header("ce-type")).isEqualTo(EventTypes.INFERENCE_BATCH_COMPLETED);
        assertThat(completion.header("ce-correlationid")).isEqualTo(last.getId());
        JsonNode completed = JSON.readTree(completion.asByteArray());
        assertSameOutcome(whole, completed);

        String resultsKey = completed.get("output").asText().substring("s3://results/".length());
        HeadObjectResponse before = S3Buckets.client.headObject(request -> request.bucket("results").key(resultsKey));
        for (ShardRequested shard : shards) {
            post(event(shard)).then().statusCode(202);
        }
        HeadObjectResponse after = S3Buckets.client.headObject(request -> request.bucket("results").key(resultsKey));
        assertThat(after.eTag()).as("a redelivered shard changes nothing").isEqualTo(before.eTag());
        assertThat(after.lastModified()).isEqualTo(before.lastModified());

        ShardRequested unplanned = shards.getFirst();
        post(event(new ShardRequested(unplanned.input(), unplanned.bucket(), unplanned.key(), "other-version",
                unplanned.provider(), 0, 1, 0, 100, 1, 0))).then().statusCode(400)
                .body("error", containsString("has no shard plan"));
        given().header("ce-specversion", "1.0").header("ce-id", "x").header("ce-source", "/test")
                .header("ce-type", EventTypes.INFERENCE_SHARD_REQUESTED).contentType("application/json")
                .body("{\"bucket\":\"incoming\"}").post("/storage-notifications").then().statusCode(400);
    }

    @Test
    void aShardWhoseReplicaDiedMidwayIsRunOnRedeliveryButOneStillRenewedIsNot() throws Exception {
        String content = jsonLines(40);
        String name = UUID.randomUUID() + ".jsonl";
        JsonNode whole = notify("lines/" + name, content);
        String key = "sharded-lines/" + name;
        List<ShardRequested> shards = plan(key, content);
        BatchKeys keys = BatchKeys.of(LINES, key, shards.getFirst().inputVersion());
        Instant now = clock.instant();
        put(keys.shardClaim(0), "{\"owner\":\"crashed\",\"claimed\":\"" + now.minus(Duration.ofHours(1))
                + "\",\"renewed\":\"" + now.minus(Duration.ofMinutes(16)) + "\"}");
        put(keys.partResults(0), "{\"id\":\"half a part\"");
        put(keys.shardClaim(1), "{\"owner\":\"alive\",\"claimed\":\"" + now.minus(Duration.ofHours(1))
                + "\",\"renewed\":\"" + now.minus(Duration.ofMinutes(1)) + "\"}");

        assertThat(work.run(shards.get(0), LINES)).isEmpty();
        assertThatThrownBy(() -> work.run(shards.get(1), LINES)).isInstanceOf(InferenceException.class)
                .hasMessageContaining("another replica has been processing it since");

        stores.bucket(StorageProvider.S3, "results").delete(keys.shardClaim(1));
        List<BatchCompleted> completions = new ArrayList<>();
        for (ShardRequested shard : shards) {
            work.run(shard, LINES).ifPresent(completions::add);
        }
        assertThat(completions).hasSize(1);
        assertSameOutcome(whole, JSON.readTree(JSON.writeValueAsBytes(completions.getFirst())));
    }

    private void put(String key, String content) throws Exception {
        Path file = Files.createTempFile("object", ".json");
        Files.writeString(file, content);
        stores.bucket(StorageProvider.S3, "results").put(key, file, "application/json");
        Files.delete(file);
    }

    @Test
    void progressTellsShardsDoneOfAllAndRowsPerSecondWhileShardsRun() throws Exception {
        String key = "sharded-lines/" + UUID.randomUUID() + ".jsonl";
        List<ShardRequested> shards = plan(key, jsonLines(40));
        String version = shards.getFirst().inputVersion();
        given().queryParam("bucket", "incoming").queryParam("key", key).get("/batch-progress").then().statusCode(200)
                .body("state", equalTo("sharded"))
                .body("shards", equalTo(shards.size()))
                .body("shardsDone", equalTo(0));

        work.run(shards.get(0), LINES);
        work.run(shards.get(1), LINES);

        JsonNode progress = JSON.readTree(given().queryParam("bucket", "incoming").queryParam("key", key)
                .queryParam("version", version).get("/batch-progress").then().statusCode(200).extract().asByteArray());
        assertThat(progress.get("shardsDone").asInt()).isEqualTo(2);
        assertThat(progress.get("rows").asLong()).as("lines 1 to 14, of which 14 is blank").isEqualTo(13);
        assertThat(progress.get("rowsPerSecond").asDouble()).isPositive();

        for (ShardRequested shard : shards.subList(2, shards.size())) {
            work.run(shard, LINES);
        }
        given().queryParam("bucket", "incoming").queryParam("key", key).get("/batch-progress").then().statusCode(200)
                .body("state", equalTo("completed"))
                .body("completed.rows", equalTo(42));
        given().queryParam("bucket", "incoming").get("/batch-progress").then().statusCode(400)
                .body("error", containsString("bucket and key"));
        given().queryParam("bucket", "incoming").queryParam("key", "elsewhere/x.csv").get("/batch-progress").then()
                .statusCode(404);
        given().queryParam("bucket", "incoming").queryParam("key", "sharded-lines/../x.jsonl")
                .get("/batch-progress").then().statusCode(400).body("error", containsString("bucket and key"));
    }

    /**
     * Runs the shard on the replica once the other racer is ready too; a replica turned away because the other holds
     * the shard (503) is asked again once both are done, as the broker redelivers the event.
     */
    private static Callable<Optional<BatchCompleted>> racer(CyclicBarrier together, ShardWork replica,
                                                            ShardRequested shard) {
        return () -> {
            together.await();
            try {
                return replica.run(shard, LINES);
            } catch (InferenceException e) {
                assertThat(e.getMessage()).contains("another replica has been processing it");
                return null;
            }
        };
    }

    private static List<Optional<BatchCompleted>> race(ExecutorService threads, ShardWork first,
                                                       ShardRequested firstShard, ShardWork second,
                                                       ShardRequested secondShard) throws Exception {
        CyclicBarrier together = new CyclicBarrier(2);
        Future<Optional<BatchCompleted>> one = threads.submit(racer(together, first, firstShard));
        Future<Optional<BatchCompleted>> two = threads.submit(racer(together, second, secondShard));
        Optional<BatchCompleted> oneDone = one.get();
        Optional<BatchCompleted> twoDone = two.get();
        return List.of(oneDone != null ? oneDone : first.run(firstShard, LINES),
                twoDone != null ? twoDone : second.run(secondShard, LINES));
    }

    /**
     * The stores, where a shard's done record is written twice, as when the store makes a write visible and the client,
     * its answer lost, sends it again: {@code between} runs after the first lands and before the second.
     */
    private BucketStores writingTwice(int shard, Runnable between) {
        return new BucketStores(config, s3Config, azureConfig) {
            @Override
            public ObjectStore bucket(StorageProvider provider, String name) {
                ObjectStore store = stores.bucket(provider, name);
                return (ObjectStore) Proxy.newProxyInstance(ObjectStore.class.getClassLoader(),
                        new Class<?>[] {ObjectStore.class}, (proxy, method, args) -> {
                            Object answer = invoke(method, store, args);
                            if (method.getName().equals("putIfAbsent")
                                    && ((String) args[0]).endsWith("/" + shard + ".done.json")) {
                                between.run();
                                invoke(method, store, args);
                            }
                            return answer;
                        });
            }
        };
    }

    private static Object invoke(Method method, ObjectStore store, Object[] args) throws Throwable {
        try {
            return method.invoke(store, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    /** A second replica: its own claims (another owner), the same store and model. */
    private ShardWork otherReplica() {
        return new ShardWork(stores, new BatchClaims(mapper, clock, config.batch().claimTimeout()), runner, registry,
                mapper, clock, meters);
    }

    private List<ShardRequested> plan(String key, String content) throws Exception {
        String etag = S3Buckets.upload(key, content);
        ObjectStore input = stores.bucket(StorageProvider.S3, "incoming");
        ShardPlan plan = new ShardPlanner(mapper).plan(input, key, LINES, LINES.shardSize().orElseThrow(),
                clock.instant());
        assertThat(plan.shards()).hasSizeGreaterThan(3);
        ObjectStore output = stores.bucket(StorageProvider.S3, "results");
        Path file = Files.createTempFile("plan", ".json");
        Files.write(file, mapper.writeValueAsBytes(plan));
        output.put(BatchKeys.of(LINES, key, etag).plan(), file, "application/json");
        Files.delete(file);
        List<ShardRequested> shards = new ArrayList<>();
        for (int i = 0; i < plan.shards().size(); i++) {
            ShardPlan.Shard shard = plan.shards().get(i);
            shards.add(new ShardRequested(input.locate(key), "incoming", key, etag, "S3", i, plan.shards().size(),
                    shard.from(), shard.to(), shard.firstLine(), plan.header()));
        }
        return shards;
    }

    private CloudEvent event(ShardRequested shard) {
        return codec.encode(UUID.randomUUID().toString(), EventTypes.INFERENCE_SHARD_REQUESTED,
                URI.create("/quiver/inference/batch"), shard.key(), shard, Map.of());
    }

    private static Response post(CloudEvent event) {
        RequestSpecification spec = given();
        List<byte[]> body = new ArrayList<>();
        HttpMessageFactory.createWriter(spec::header, body::add).writeBinary(event);
        return spec.body(body.getFirst()).post("/storage-notifications");
    }

    /** The outcomes name different inputs, and so different outputs, but hold the same bytes. */
    private static void assertSameOutcome(JsonNode whole, JsonNode sharded) {
        for (String field : List.of("rows", "succeeded", "failed", "model", "modelVersion")) {
            assertThat(sharded.get(field)).as(field).isEqualTo(whole.get(field));
        }
        assertThat(bytes(sharded.get("output").asText())).as("results").isEqualTo(bytes(whole.get("output").asText()))
                .isNotEmpty();
        assertThat(bytes(sharded.get("errors").asText())).as("errors").isEqualTo(bytes(whole.get("errors").asText()))
                .isNotEmpty();
    }

    private static String bytes(String location) {
        String key = location.substring("s3://results/".length());
        return S3Buckets.client.getObjectAsBytes(request -> request.bucket("results").key(key)).asUtf8String();
    }

    private double counter(String name) {
        return meters.find(name).tag("model", "digits").counters().stream().mapToDouble(Counter::count).sum();
    }

    private static JsonNode notify(String key, String content) throws Exception {
        String etag = S3Buckets.upload(key, content);
        Response response = given().contentType("application/json").body(s3Notification(key, etag))
                .post("/storage-notifications");
        response.then().statusCode(200);
        return JSON.readTree(response.asByteArray()).get("completed").get(0);
    }

    /** Digits rows with an id column; every tenth row has a cell that is not a number. */
    private static String csv(int rows) {
        StringBuilder csv = new StringBuilder("id");
        for (int i = 0; i < 64; i++) {
            csv.append(",p").append(i);
        }
        csv.append('\n');
        for (int i = 0; i < rows; i++) {
            csv.append("row-").append(i).append(',').append(pixels(i)).append('\n');
            if (i % 10 == 5) {
                csv.append("bad-").append(i).append(',').append(pixels(i).replaceFirst("\\d+", "x")).append('\n');
            }
        }
        return csv.toString();
    }

    /** Instances whose ids are their line numbers, with a blank line, a line that is not JSON and a short row. */
    private static String jsonLines(int rows) {
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < rows; i++) {
            lines.append(Digits.pixelsJson(i)).append('\n');
            if (i == 12) {
                lines.append("\n{not json\n");
            }
            if (i == 28) {
                lines.append("[1,2,3]\n");
            }
        }
        return lines.toString();
    }

    private static String pixels(int row) {
        String json = Digits.pixelsJson(row);
        return json.substring(1, json.length() - 1);
    }

    private static String s3Notification(String key, String etag) {
        return """
                {"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","eventName":"ObjectCreated:Put",
                "s3":{"bucket":{"name":"incoming"},"object":{"key":"%s","size":1024,"eTag":"%s"}}}]}
                """.formatted(URLEncoder.encode(key, StandardCharsets.UTF_8), etag);
    }
}
