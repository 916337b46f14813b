package dev.quiver.inference.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.inference.fixtures.Digits;
import dev.quiver.inference.fixtures.Readiness;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each endpoint of the inference function attacked with a few hundred mutations of a valid request, over real HTTP:
 * every answer is a success or a 4xx with a JSON error, a 400 naming the field at fault ({@code field: what was
 * expected}); never a 5xx, which Knative would retry; and the process is healthy after (alive, and the valid request
 * still served).
 */
@QuarkusTest
@WithTestResource(FuzzedFunction.class)
class EndpointFuzzTest {

    private static final int MUTATIONS = 250;
    /** {@code path: explanation}, the form of every message that names what is wrong with a request. */
    private static final Pattern NAMES_A_FIELD = Pattern.compile("(?s)\\S.{0,300}?: \\S.*");
    private static final String CE_TYPE = "dev.quiver.inference.requested";

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    @BeforeEach
    void modelsLoaded() {
        Readiness.awaitReady();
    }

    static Stream<Endpoint> endpoints() {
        String pixels = Digits.pixelsJson(3);
        return Stream.of(
                new Endpoint("v2 JSON", "/v2/models/digits/infer", "application/json", Map.of(), () -> """
                        {"id":"r1","parameters":{"binary_data_output":false},"inputs":[{"name":"input","shape":[2,64],\
                        "datatype":"FP32","data":[%s,%s]}],"outputs":[{"name":"output","parameters":\
                        {"binary_data":false}}]}""".formatted(pixels, pixels), 200),
                new Endpoint("v2 JSON, two inputs", "/v2/models/sum_and_product/infer", "application/json", Map.of(),
                        () -> """
                        {"inputs":[{"name":"a","shape":[1,2],"datatype":"FP32","data":[1,2]},\
                        {"name":"b","shape":[1,2],"datatype":"FP32","data":[[3,4]]}]}""", 200),
                new Endpoint("v2 JSON, FP64", "/v2/models/identity_fp64/infer", "application/json", Map.of(), () -> """
                        {"inputs":[{"data":[[1.5,-2,3e10]],"name":"x","shape":[1,3],"datatype":"FP64"}]}""", 200),
                new Endpoint("v1", "/v1/models/digits:predict", "application/json", Map.of(),
                        () -> "{\"instances\":[" + pixels + "," + pixels + "]}", 200),
                new Endpoint("v1, two inputs", "/v1/models/sum_and_product:predict", "application/json", Map.of(),
                        () -> "{\"instances\":[{\"a\":[1,2],\"b\":[3,4]},{\"b\":[5,6],\"a\":[7,8]}]}", 200),
                new Endpoint("predict", "/predict", "application/json", Map.of(),
                        () -> "{\"model\":\"digits\",\"version\":\"1\",\"instances\":[" + pixels + "]}", 200),
                new Endpoint("ping", "/ping", "application/json", Map.of(),
                        () -> "{\"hello\":[1,2,{\"a\":null,\"b\":\"c\"}]}", 204),
                new Endpoint("CloudEvent, binary mode", "/", "application/json", Map.of("ce-specversion", "1.0",
                        "ce-source", "/fuzz", "ce-type", CE_TYPE), () -> """
                        {"model":"digits","inputs":[{"name":"input","datatype":"FP32","shape":[1,64],"data":%s}],\
                        "outputs":["output"]}""".formatted(pixels), 200),
                // the envelope of a structured event is the CloudEvent guard's to check; the data is the request's
                new Endpoint("CloudEvent, structured mode", "/", "application/cloudevents+json", Map.of(), () -> """
                        {"model":"digits","inputs":[{"name":"input","datatype":"FP32","shape":[1,64],"data":%s}]}"""
                        .formatted(pixels), 200).inEnvelope(data -> """
                        {"specversion":"1.0","id":"%s","source":"/fuzz","type":"%s","datacontenttype":\
                        "application/json","data":%s}""".formatted(UUID.randomUUID(), CE_TYPE, data)),
                new Endpoint("storage notification", "/storage-notifications", "application/json", Map.of(), () -> """
                        {"Records":[{"eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"incoming"},\
                        "object":{"key":"%s","size":512,"eTag":"\\"e1\\"","sequencer":"0A"}}}]}"""
                        .formatted(FuzzedFunction.CSV_KEY), 200));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("endpoints")
    void mutatedBodiesAreRefusedWithTheirFieldNamed(Endpoint endpoint) throws Exception {
        Mutations mutations = new Mutations(endpoint.name().hashCode());
        for (int i = 0; i < MUTATIONS; i++) {
            byte[] body = endpoint.body(mutations.mutate(endpoint.seed().get().getBytes(StandardCharsets.UTF_8)));
            HttpResponse<String> response = send(endpoint, body, -1);
            assertClientAnswer(response, endpoint.name() + " mutation " + i + ": " + printable(body));
        }
        assertHealthy(endpoint);
    }

    @Test
    void mutatedBinaryTensorRequestsAreRefusedWithTheirFieldNamed() throws Exception {
        Endpoint endpoint = new Endpoint("v2 binary", "/v2/models/identity_fp32/infer", "application/octet-stream",
                Map.of(), () -> "{\"inputs\":[{\"name\":\"x\",\"shape\":[2,3],\"datatype\":\"FP32\",\"parameters\":"
                + "{\"binary_data_size\":24}}],\"parameters\":{\"binary_data_output\":true}}", 200);
        Mutations mutations = new Mutations(7);
        Random random = new Random(11);
        for (int i = 0; i < MUTATIONS; i++) {
            byte[] header = random.nextInt(4) == 0 ? endpoint.seed().get().getBytes(StandardCharsets.UTF_8)
                    : mutations.mutate(endpoint.seed().get().getBytes(StandardCharsets.UTF_8));
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            body.writeBytes(header);
            body.writeBytes(new byte[random.nextInt(4) == 0 ? random.nextInt(64) : 24]);
            long headerLength = switch (random.nextInt(5)) {
                case 0 -> random.nextInt(body.size() + 10);
                case 1 -> Long.MAX_VALUE - random.nextInt(3);
                default -> header.length;
            };
            HttpResponse<String> response = send(endpoint, body.toByteArray(), headerLength);
            assertClientAnswer(response, "v2 binary mutation " + i + " (header length " + headerLength + "): "
                    + printable(header));
        }
        byte[] header = endpoint.seed().get().getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream valid = new ByteArrayOutputStream();
        valid.writeBytes(header);
        valid.writeBytes(new byte[24]);
        assertThat(send(endpoint, valid.toByteArray(), header.length).statusCode()).isEqualTo(200);
        assertHealthy(endpoints().findFirst().orElseThrow());
    }

    @Test
    void mutatedPathsAreRefusedWithJson() throws Exception {
        Random random = new Random(5);
        List<String> templates = List.of("/v2/models/%s", "/v2/models/%s/ready", "/v2/models/digits/versions/%s",
                "/v2/models/digits/versions/%s/ready", "/v1/models/%s", "/v2/models/%s/infer");
        for (int i = 0; i < MUTATIONS; i++) {
            String template = templates.get(random.nextInt(templates.size()));
            String name = switch (random.nextInt(5)) {
                case 0 -> "%" + HexFormat.of().toHexDigits((byte) random.nextInt(256));
                case 1 -> "..%2f..%2f" + "x".repeat(random.nextInt(5));
                case 2 -> "%2e%2e";
                case 3 -> "d".repeat(1 + random.nextInt(2000));
                default -> "digits%" + HexFormat.of().toHexDigits((byte) random.nextInt(256)) + "%00";
            };
            URI uri = URI.create("http://127.0.0.1:" + RestAssured.port + template.formatted(name));
            HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30));
            if (template.endsWith("/infer")) {
                request.POST(HttpRequest.BodyPublishers.ofString("{\"inputs\":[]}"));
            }
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            assertClientAnswer(response, "GET " + uri);
        }
        assertHealthy(endpoints().findFirst().orElseThrow());
    }

    private void assertClientAnswer(HttpResponse<String> response, String what) {
        int status = response.statusCode();
        assertThat(status).as(what + " answered " + response.body()).isBetween(200, 499);
        if (status < 400) {
            return;
        }
        assertThat(response.headers().firstValue("Content-Type").orElse(""))
                .as(what).matches("application/(problem\\+)?json.*");
        String error;
        try {
            error = new JsonObject(response.body()).getString("error");
        } catch (DecodeException | ClassCastException e) {
            throw new AssertionError(what + ": the error body is not {\"error\": \"...\"}: " + response.body(), e);
        }
        assertThat(error).as(what).isNotBlank();
        if (status == 400) {
            assertThat(error).as(what + ": the message names the field at fault").matches(NAMES_A_FIELD);
        }
    }

    private void assertHealthy(Endpoint endpoint) throws Exception {
        HttpResponse<String> live = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + RestAssured.port + "/q/health/live")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(live.statusCode()).isEqualTo(200);
        HttpResponse<String> valid = send(endpoint, endpoint.body(endpoint.seed().get()
                .getBytes(StandardCharsets.UTF_8)), -1);
        assertThat(valid.statusCode()).as(endpoint.name() + ": the valid request after the attack, answered "
                + valid.body()).isEqualTo(endpoint.validStatus());
    }

    private HttpResponse<String> send(Endpoint endpoint, byte[] body, long headerLength) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + RestAssured.port
                        + endpoint.path())).timeout(Duration.ofSeconds(60))
                .header("Content-Type", endpoint.contentType())
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        endpoint.headers().forEach(request::header);
        if (endpoint.headers().containsKey("ce-specversion")) {
            request.header("ce-id", UUID.randomUUID().toString());
        }
        if (headerLength >= 0) {
            request.header("Inference-Header-Content-Length", Long.toString(headerLength));
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String printable(byte[] body) {
        String text = new String(body, StandardCharsets.ISO_8859_1);
        return text.length() > 300 ? text.substring(0, 300) + "... (" + text.length() + " bytes)" : text;
    }

    /**
     * An endpoint and a valid request to it, made fresh for each use (CloudEvents need new ids); what is mutated is
     * put in {@code envelope} to make the body.
     */
    record Endpoint(String name, String path, String contentType, Map<String, String> headers,
                    Supplier<String> seed, int validStatus, UnaryOperator<String> envelope) {

        Endpoint(String name, String path, String contentType, Map<String, String> headers, Supplier<String> seed,
                 int validStatus) {
            this(name, path, contentType, headers, seed, validStatus, UnaryOperator.identity());
        }

        Endpoint inEnvelope(UnaryOperator<String> wrap) {
            return new Endpoint(name, path, contentType, headers, seed, validStatus, wrap);
        }

        byte[] body(byte[] mutated) {
            return envelope.apply(new String(mutated, StandardCharsets.ISO_8859_1))
                    .getBytes(StandardCharsets.ISO_8859_1);
        }

        @Override
        public String toString() {
            return name;
        }
    }
}
