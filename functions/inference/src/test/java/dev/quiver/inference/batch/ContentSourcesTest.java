package dev.quiver.inference.batch;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;

import dev.quiver.inference.fixtures.Readiness;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Knative's aws-s3 IntegrationSource and Camel's aws-s3 kamelet send an object's content, not a notification naming
 * it: refused with a 4xx that says so and names what to use instead.
 */
@QuarkusTest
@WithTestResource(S3Buckets.class)
class ContentSourcesTest {

    @BeforeEach
    void modelsLoaded() {
        Readiness.awaitReady();
    }

    @ParameterizedTest
    @CsvSource({"dev.knative.eventing.aws.s3, dev.knative.eventing.aws-s3-source, aws-s3-source",
            "org.apache.camel.event.aws.s3.getObject, aws.s3.bucket.incoming, digits/upload.csv"})
    void aSourceSendingContentIsRefusedWithWhatToUseInstead(String type, String source, String subject) {
        given().header("ce-specversion", "1.0").header("ce-id", "1F2E3D4C5B6A798-0000000000000001")
                .header("ce-type", type).header("ce-source", source).header("ce-subject", subject)
                .contentType("application/octet-stream").body("id,p0,p1\nrow-0,0,1\n".getBytes())
                .post("/storage-notifications").then().statusCode(400)
                .body("error", containsString("sends an object's content, not a notification"))
                .body("error", containsString("aws.sqs"));
    }
}
