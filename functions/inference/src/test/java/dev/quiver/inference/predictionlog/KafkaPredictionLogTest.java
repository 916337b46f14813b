package dev.quiver.inference.predictionlog;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.inference.fixtures.Digits;
import dev.quiver.inference.fixtures.Readiness;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The prediction log on a real Kafka broker: each prediction arrives as two records keyed by the request id, binary
 * CloudEvents in the KServe logger's form (the {@code ce_*} headers of the Kafka protocol binding, the v2 JSON body).
 */
@QuarkusTest
@WithTestResource(KafkaBroker.class)
class KafkaPredictionLogTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeEach
    void modelsLoaded() {
        Readiness.awaitReady();
    }

    @Test
    void aPredictionArrivesInKafkaAsAKServeRequestAndResponse() throws IOException {
        List<Float> answer = given().header("X-Request-Id", "kafka-log-1").contentType(ContentType.JSON)
                .body("{\"instances\":[" + Digits.pixelsJson(5) + "]}")
                .post("/v1/models/digits:predict").then().statusCode(200)
                .extract().jsonPath().getList("predictions[0]", Float.class);

        List<ConsumerRecord<String, byte[]>> records = recordsWithKey("kafka-log-1", 2);
        assertThat(records).extracting(record -> header(record, "ce_type"))
                .containsExactlyInAnyOrder(PredictionLog.REQUEST_TYPE, PredictionLog.RESPONSE_TYPE);
        for (ConsumerRecord<String, byte[]> record : records) {
            assertThat(header(record, "ce_specversion")).isEqualTo("1.0");
            assertThat(header(record, "ce_id")).isEqualTo("kafka-log-1");
            assertThat(header(record, "ce_source")).isEqualTo("/quiver/inference");
            assertThat(header(record, "ce_inferenceservicename")).isEqualTo("digits");
            assertThat(header(record, "ce_modelversion")).isEqualTo("1");
            assertThat(header(record, "content-type")).isEqualTo("application/json");
        }
        JsonNode response = JSON.readTree(records.stream()
                .filter(record -> PredictionLog.RESPONSE_TYPE.equals(header(record, "ce_type")))
                .findFirst().orElseThrow().value());
        assertThat(response.path("model_name").asText()).isEqualTo("digits");
        List<Float> logged = new ArrayList<>();
        response.path("outputs").path(0).path("data").forEach(value -> logged.add(value.floatValue()));
        assertThat(logged).isEqualTo(answer);
        JsonNode request = JSON.readTree(records.stream()
                .filter(record -> PredictionLog.REQUEST_TYPE.equals(header(record, "ce_type")))
                .findFirst().orElseThrow().value());
        assertThat(request.path("inputs").path(0).path("shape").toString()).isEqualTo("[1,64]");
    }

    private static List<ConsumerRecord<String, byte[]>> recordsWithKey(String key, int expected) {
        Properties settings = new Properties();
        settings.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaBroker.bootstrapServers);
        settings.put(ConsumerConfig.GROUP_ID_CONFIG, "prediction-log-test-" + key);
        settings.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<ConsumerRecord<String, byte[]>> found = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(settings, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.subscribe(List.of("quiver.predictions"));
            Instant deadline = Instant.now().plusSeconds(30);
            while (found.size() < expected && Instant.now().isBefore(deadline)) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    if (key.equals(record.key())) {
                        found.add(record);
                    }
                }
            }
        }
        assertThat(found).as("records keyed %s on quiver.predictions", key).hasSize(expected);
        return found;
    }

    private static String header(ConsumerRecord<String, byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
