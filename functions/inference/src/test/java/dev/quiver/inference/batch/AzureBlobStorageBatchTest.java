package dev.quiver.inference.batch;

import static dev.quiver.inference.batch.NotificationRequests.post;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import com.azure.storage.blob.models.BlobItem;
import com.azure.storage.blob.models.BlobProperties;
import com.azure.storage.blob.models.ListBlobsOptions;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.inference.fixtures.Digits;
import dev.quiver.inference.fixtures.Readiness;
import dev.quiver.testservices.RequiresAzurite;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Azure Blob Storage end to end: an Event Grid {@code BlobCreated} notification for a CSV blob in Azurite, posted
 * over HTTP, runs the blob's rows through the model, and the results land in a container of the same account, once.
 */
@QuarkusTest
@RequiresAzurite
@WithTestResource(AzureContainers.class)
class AzureBlobStorageBatchTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeEach
    void modelsLoaded() {
        Readiness.awaitReady();
    }

    @Test
    void aBlobCreatedNotificationReadsTheBlobFromAzureAndWritesItsResultsThere() throws Exception {
        String container = AzureContainers.incoming.getBlobContainerName();
        String name = "digits/upload " + UUID.randomUUID() + "/M\u00e4rz.csv";
        String etag = AzureContainers.upload(name, csv(12));
        assertThat(etag).as("Azure's ETag form, as data.eTag carries it").startsWith("0x");

        Response response = post(blobCreated(container, name, etag));
        response.then().statusCode(200);
        JsonNode completed = JSON.readTree(response.asByteArray()).get("completed").get(0);
        assertThat(completed.get("input").asText())
                .isEqualTo(AzureContainers.incoming.getBlobContainerUrl() + "/" + name);
        assertThat(completed.get("inputVersion").asText()).isEqualTo(etag);
        assertThat(completed.get("rows").asLong()).isEqualTo(12);
        assertThat(completed.get("succeeded").asLong()).isEqualTo(12);
        String resultsName = "predictions/digits/1/" + name + "." + etag + ".jsonl";
        assertThat(completed.get("output").asText())
                .isEqualTo(AzureContainers.results.getBlobContainerUrl() + "/" + resultsName);

        List<String> lines = AzureContainers.results.getBlobClient(resultsName).downloadContent().toString()
                .lines().toList();
        assertThat(lines).hasSize(12);
        for (int i = 0; i < 12; i++) {
            JsonNode line = JSON.readTree(lines.get(i));
            assertThat(line.get("id").asText()).isEqualTo("row-" + i);
            assertThat(argmax(line.get("outputs"))).as("row %d answered as the trained model answers it", i)
                    .isEqualTo(Digits.argmax(Arrays.stream(Digits.expectedProbabilities(i)).boxed().toList()));
        }
        assertThat(names("predictions/digits/_done/")).containsExactly("predictions/digits/_done/" + name + "."
                + etag + ".json");
        assertThat(names("predictions/digits/_claims/")).as("the claim is released").isEmpty();

        BlobProperties before = AzureContainers.results.getBlobClient(resultsName).getProperties();
        post(blobCreated(container, name, etag)).then().statusCode(200)
                .body("records[0].reason", equalTo("already-processed"));
        BlobProperties after = AzureContainers.results.getBlobClient(resultsName).getProperties();
        assertThat(after.getETag()).as("a redelivery writes nothing new").isEqualTo(before.getETag());
    }

    @Test
    void aBlobThatIsNotInTheAccountIsRefusedNamingIt() {
        String name = "digits/never-uploaded-" + UUID.randomUUID() + ".csv";
        post(blobCreated(AzureContainers.incoming.getBlobContainerName(), name, "0x8DE0000000000001"))
                .then().statusCode(400).body("error", containsString(name))
                .body("error", containsString("does not exist"));
    }

    private static List<String> names(String prefix) {
        return AzureContainers.results.listBlobs(new ListBlobsOptions().setPrefix(prefix), null).stream()
                .map(BlobItem::getName).toList();
    }

    private static String blobCreated(String container, String name, String etag) {
        return NotificationFixture.of("eventgrid-blob-event.json").with("eventType", "Microsoft.Storage.BlobCreated")
                .with("api", "PutBlob").with("id", UUID.randomUUID()).with("bucket", container).with("key", name)
                .with("urlKey", name.replace(" ", "%20")).with("etag", etag).with("size", 512).body();
    }

    private static String csv(int rows) {
        StringBuilder csv = new StringBuilder("id");
        for (int i = 0; i < 64; i++) {
            csv.append(",p").append(i);
        }
        csv.append('\n');
        for (int i = 0; i < rows; i++) {
            String pixels = Digits.pixelsJson(i);
            csv.append("row-").append(i).append(',').append(pixels, 1, pixels.length() - 1).append('\n');
        }
        return csv.toString();
    }

    private static int argmax(JsonNode outputs) {
        JsonNode row = outputs.isArray() && !outputs.isEmpty() && outputs.get(0).isArray() ? outputs.get(0) : outputs;
        int best = 0;
        for (int i = 1; i < row.size(); i++) {
            if (row.get(i).asDouble() > row.get(best).asDouble()) {
                best = i;
            }
        }
        return best;
    }
}
