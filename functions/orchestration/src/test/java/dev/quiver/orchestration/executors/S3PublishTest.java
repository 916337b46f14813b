package dev.quiver.orchestration.executors;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.quiver.baseline.BaselineFiles;
import dev.quiver.events.EventTypes;
import dev.quiver.storage.ModelRepository;
import dev.quiver.storage.ModelRepositoryListing;
import dev.quiver.storage.S3ObjectStore;
import dev.quiver.storage.S3Settings;
import dev.quiver.testservices.TestS3;
import dev.quiver.training.DigitsDataset;
import dev.quiver.training.DigitsTrainer;
import dev.quiver.training.TrainedDigitsModel;
import dev.quiver.training.TrainingOptions;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A model repository in a real S3-compatible store (S3Proxy): the publish step writes a trained model into it with
 * the settings of {@code quiver.storage.s3.*}, the storage layout reads it back, and the packaged inference function,
 * reading the same repository with the same settings, serves it.
 */
@QuarkusTest
@WithTestResource(S3PublishTest.S3Repository.class)
class S3PublishTest {

    private static final String BUCKET = "models-" + UUID.randomUUID();
    private static final String REPOSITORY = "s3://" + BUCKET + "/repository";

    @Test
    void aPublishedModelIsInTheLayoutAndServedByTheInferenceFunction() throws Exception {
        JsonPath run = run("digits-s3");

        String publish = "steps.find { it.instance == 'publish' }";
        assertThat(run.getList(publish + ".outputs.versions", Integer.class)).containsExactly(1);
        assertThat(run.getInt(publish + ".outputs.published")).isOne();
        assertThat(run.getList(publish + ".outputs.baselines", Integer.class)).containsExactly(1);
        try (ModelRepository repository = ModelRepository.open(REPOSITORY, S3Repository.settings)) {
            ModelRepositoryListing.Model model = repository.list().models().get("digits-s3");
            assertThat(model.versions()).containsExactly(Map.entry(1L, "digits-s3/1/model.onnx"));
            assertThat(model.config()).hasValue("digits-s3/config.yaml");
            assertThat(read(repository, "digits-s3/1/model.onnx")).isEqualTo(Files.readAllBytes(S3Repository.model));
            assertThat(read(repository, "digits-s3/1/baseline.json")).as("the baseline goes with its model")
                    .isEqualTo(Files.readAllBytes(S3Repository.model.resolveSibling("baseline.json")));
            assertThat(new String(read(repository, "digits-s3/config.yaml"), StandardCharsets.UTF_8))
                    .contains("version_policy:", "latest: 2");
        }
        String uri = given().get("/runs/{run}/steps/publish", run.getString("id")).then().extract().jsonPath()
                .getString("attempts[0].artifacts[0].uri");
        assertThat(uri).isEqualTo(REPOSITORY + "/digits-s3/1/model.onnx");

        await("the inference function serves version 1").atMost(Duration.ofSeconds(60))
                .until(() -> inference("/v2/models/digits-s3/versions/1/ready").statusCode() == 200);
        HttpResponse<String> prediction = S3Repository.http.send(HttpRequest.newBuilder(
                        S3Repository.inference.url().resolve("/v2/models/digits-s3/infer"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"inputs\": [{\"name\": \"input\", \"shape\": [1, 64], "
                        + "\"datatype\": \"FP32\", \"data\": [" + "0,".repeat(63) + "0]}]}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(prediction.statusCode()).as(prediction.body()).isEqualTo(200);
        assertThat(prediction.body()).contains("\"model_version\":\"1\"");
        String trainedAt = BaselineFiles.read(S3Repository.model.resolveSibling("baseline.json")).trainedAt();
        await("the inference function compares version 1 with its baseline").atMost(Duration.ofSeconds(30))
                .until(() -> S3Repository.http.send(HttpRequest.newBuilder(S3Repository.inference.url()
                                .resolve("/v2/models/digits-s3/versions/1/drift")).build(),
                        HttpResponse.BodyHandlers.ofString()).body().contains("\"trained_at\":\"" + trainedAt));

        JsonPath again = run("digits-s3");
        assertThat(again.getList(publish + ".outputs.versions", Integer.class)).as("the same model, read back from "
                + "the store by its digest, is not published again").containsExactly(1);
        assertThat(again.getInt(publish + ".outputs.published")).isZero();
    }

    /** A configuration under the name that applies by the layout's precedence is the one the served versions go in. */
    @Test
    void theServedVersionsGoIntoTheConfigurationFileThatApplies() throws Exception {
        try (S3Client client = S3ObjectStore.client(S3Repository.settings)) {
            client.putObject(request -> request.bucket(BUCKET).key("repository/digits-yml/config.yml"),
                    RequestBody.fromString("max_batch_size: 4\n"));
        }

        run("digits-yml");

        try (ModelRepository repository = ModelRepository.open(REPOSITORY, S3Repository.settings)) {
            ModelRepositoryListing.Model model = repository.list().models().get("digits-yml");
            assertThat(model.config()).hasValue("digits-yml/config.yml");
            assertThat(repository.store().head("digits-yml/config.yaml")).as("no second file that would shadow it")
                    .isEmpty();
            assertThat(new String(read(repository, "digits-yml/config.yml"), StandardCharsets.UTF_8))
                    .contains("max_batch_size: 4", "latest: 2");
        }
    }

    private static JsonPath run(String model) {
        String id = UUID.randomUUID().toString();
        given().header("ce-specversion", "1.0").header("ce-type", EventTypes.PIPELINE_RUN_REQUESTED)
                .header("ce-source", "/tests").header("ce-id", id).contentType("application/json")
                .body("{\"pipeline\": \"publish\", \"parameters\": {\"model\": \"" + model + "\", \"model-file\": \""
                        + S3Repository.model + "\"}}")
                .post("/").then().statusCode(204);
        String run = given().queryParam("pipeline", "publish").queryParam("limit", 1).get("/runs").then()
                .statusCode(200).extract().jsonPath().getString("[0].id");
        await().atMost(Duration.ofSeconds(60)).until(() -> List.of("SUCCEEDED", "FAILED").contains(
                given().get("/runs/" + run).then().extract().jsonPath().getString("state")));
        JsonPath state = given().get("/runs/" + run).then().statusCode(200).extract().jsonPath();
        assertThat(state.getString("state")).as(state.prettify()).isEqualTo("SUCCEEDED");
        return state;
    }

    private static byte[] read(ModelRepository repository, String key) throws IOException {
        try (InputStream in = repository.store().open(key)) {
            return in.readAllBytes();
        }
    }

    private static HttpResponse<Void> inference(String path) throws IOException, InterruptedException {
        return S3Repository.http.send(HttpRequest.newBuilder(S3Repository.inference.url().resolve(path)).build(),
                HttpResponse.BodyHandlers.discarding());
    }

    public static class S3Repository implements QuarkusTestResourceLifecycleManager {

        static volatile S3Settings settings;
        static volatile Path model;
        static volatile InferenceFunctionProcess inference;
        static final HttpClient http = HttpClient.newHttpClient();
        private Path root;

        @Override
        public Map<String, String> start() {
            try {
                root = Files.createTempDirectory("quiver-s3-publish");
                TestS3 s3 = TestS3.shared();
                settings = new S3Settings(Optional.of(s3.uri()), "us-east-1", Optional.of(s3.accessKey()),
                        Optional.of(s3.secretKey()), true);
                try (S3Client client = S3ObjectStore.client(settings)) {
                    client.createBucket(request -> request.bucket(BUCKET));
                }
                model = root.resolve("trained/model.onnx");
                TrainedDigitsModel trained = new DigitsTrainer(TrainingOptions.defaults().withEpochs(2))
                        .train(DigitsDataset.bundled());
                DigitsTrainer.exportOnnx(trained, model, 1);
                // as ./quiver train does: the training baseline beside the model
                DigitsTrainer.exportBaseline(trained, model.resolveSibling("baseline.json"));
                Path pipelines = Files.createDirectories(root.resolve("pipelines"));
                // the trained model stands for a training step's: the step reports it as its model artifact
                Files.writeString(pipelines.resolve("publish.yaml"), """
                        pipeline: publish
                        version: 1
                        steps:
                          - name: train
                            executor: process
                            params:
                              command: [sh, -c, 'printf "{\\"artifacts\\": [{\\"name\\": \\"model\\", \\"uri\\": \\"file:%s\\"}]}" "$QUIVER_PARAM_MODEL_FILE" > "$QUIVER_OUTPUTS"']
                          - name: publish
                            executor: publish-model
                            depends: [train]
                            params: {serve-latest: 2}
                        """);
                Map<String, String> store = Map.of(
                        "quiver.storage.s3.endpoint", s3.uri().toString(),
                        "quiver.storage.s3.access-key", s3.accessKey(),
                        "quiver.storage.s3.secret-key", s3.secretKey(),
                        "quiver.storage.s3.path-style", "true");
                Map<String, String> inferenceSettings = new HashMap<>(store);
                inferenceSettings.put("quiver.inference.repository-cache", root.resolve("cache").toString());
                inference = InferenceFunctionProcess.start(REPOSITORY, inferenceSettings,
                        root.resolve("inference.log"));
                Map<String, String> config = new HashMap<>(store);
                config.putAll(Map.of("quiver.orchestration.pipelines", pipelines.toString(),
                        "quiver.orchestration.state", root.resolve("state").toString(),
                        "quiver.orchestration.model-repository", REPOSITORY,
                        "quiver.orchestration.inference-url", inference.url().toString(),
                        "quiver.orchestration.relay-interval", "50ms"));
                return config;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (Exception e) {
                throw new IllegalStateException("cannot set up the S3 model repository", e);
            }
        }

        @Override
        public void stop() {
            if (inference != null) {
                inference.close();
            }
            try (Stream<Path> files = Files.walk(root)) {
                files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
