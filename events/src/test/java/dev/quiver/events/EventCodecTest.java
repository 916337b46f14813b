package dev.quiver.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.quiver.events.inference.InferenceCompleted;
import dev.quiver.events.inference.InferenceFailed;
import dev.quiver.events.inference.InferenceRequested;
import dev.quiver.events.inference.TensorPayload;
import dev.quiver.events.inference.VersionAlert;
import dev.quiver.events.model.InferenceLabel;
import dev.quiver.events.model.ModelAlert;
import dev.quiver.events.pipeline.RunFinished;
import dev.quiver.events.pipeline.RunRequested;
import dev.quiver.events.pipeline.SchedulerTick;
import dev.quiver.events.pipeline.StepAlert;
import dev.quiver.events.pipeline.StepCompleted;
import dev.quiver.events.pipeline.StepDispatched;
import dev.quiver.events.pipeline.StepFailed;
import dev.quiver.events.pipeline.StepHeartbeat;
import dev.quiver.events.pipeline.StepRetryDecided;
import dev.quiver.events.pipeline.StepSkipped;
import dev.quiver.events.pool.WorkloadAdmitted;
import dev.quiver.events.serving.DemandReported;
import io.cloudevents.CloudEvent;
import io.cloudevents.core.builder.CloudEventBuilder;
import io.cloudevents.core.format.EventFormat;
import io.cloudevents.core.provider.EventFormatProvider;
import io.cloudevents.jackson.JsonFormat;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EventCodecTest {

    private static final URI SOURCE = URI.create("/quiver/tests");
    private final EventCodec codec = new EventCodec(Clock.fixed(Instant.parse("2026-11-23T10:00:00Z"), ZoneOffset.UTC));

    @Test
    void everyCatalogTypeHasARecordAndASchema() {
        assertThat(EventCatalog.types()).containsExactlyInAnyOrder(
                EventTypes.INFERENCE_REQUESTED, EventTypes.INFERENCE_COMPLETED, EventTypes.INFERENCE_FAILED,
                EventTypes.INFERENCE_BATCH_COMPLETED, EventTypes.INFERENCE_SHARD_REQUESTED,
                EventTypes.INFERENCE_VERSION_ALERT_RAISED, EventTypes.ADMISSION_USAGE_REPORTED,
                EventTypes.SERVING_DEMAND_REPORTED,
                EventTypes.PIPELINE_RUN_REQUESTED, EventTypes.STEP_DISPATCHED, EventTypes.STEP_COMPLETED,
                EventTypes.STEP_FAILED, EventTypes.STEP_SKIPPED, EventTypes.PIPELINE_RUN_COMPLETED,
                EventTypes.PIPELINE_RUN_FAILED, EventTypes.STEP_HEARTBEAT, EventTypes.SCHEDULER_TICK,
                EventTypes.STEP_RETRY_DECIDED, EventTypes.STEP_ALERT_RAISED, EventTypes.STEP_PREEMPTED,
                EventTypes.POOL_WORKLOAD_ADMITTED, EventTypes.PING_SOURCE_TICK, EventTypes.RUN_CONTROL_REQUESTED,
                EventTypes.STEP_CANCELLED, EventTypes.SLA_MISSED, EventTypes.MODEL_ALERT_RAISED,
                EventTypes.INFERENCE_LABEL);
        for (String type : EventCatalog.types()) {
            if (!type.equals(EventTypes.PING_SOURCE_TICK)) {
                assertThat(type).startsWith("dev.quiver.");
            }
            assertThat(EventCatalog.payloadOf(type)).isPresent();
            assertThat(EventCodec.class.getResource(EventCatalog.schemaResource(type))).as(type).isNotNull();
        }
    }

    @Test
    void samplesOfEveryTypeValidateAgainstTheirSchemas() {
        codec.validate(EventTypes.INFERENCE_REQUESTED, codec.toTree(request()));
        codec.validate(EventTypes.INFERENCE_COMPLETED, codec.toTree(new InferenceCompleted("digits", "1",
                List.of(new TensorPayload("output", "FP32", List.of(1L, 2L), floats(0.25, 0.75))))));
        codec.validate(EventTypes.INFERENCE_FAILED, codec.toTree(new InferenceFailed("digits", null,
                "inputs[0].shape: expected [-1, 64], got [1, 63]", InferenceFailed.INVALID_INPUT)));
        codec.validate(EventTypes.INFERENCE_VERSION_ALERT_RAISED, codec.toTree(new VersionAlert("digits", "2",
                "sha256:" + "ab".repeat(32), 10, 50, "output output holds NaN at element 0")));
        codec.validate(EventTypes.MODEL_ALERT_RAISED, codec.toTree(new ModelAlert("digits", "2", "feature-drift",
                "input image: PSI 0.41 over the last 1000 requests, above 0.25", "image", 0.41, 0.25)));
        codec.validate(EventTypes.INFERENCE_LABEL, codec.toTree(new InferenceLabel("digits", "req-1", null,
                JsonNodeFactory.instance.numberNode(7))));
        codec.validate(EventTypes.PIPELINE_RUN_REQUESTED, codec.toTree(new RunRequested("model-selection", null,
                Map.of("dataset", "s3://data/churn.csv"))));
        codec.validate(EventTypes.STEP_DISPATCHED, codec.toTree(new StepDispatched("run-1", "model-selection", 2,
                "train", "train[1]", 1, "process", Map.of("model", "forest"), 2000, 4L << 30, 0, 1, 7200L,
                List.of(new StepDispatched.Input("ingest", "data", "s3://data/churn.csv", null)), "training",
                "normal")));
        codec.validate(EventTypes.POOL_WORKLOAD_ADMITTED, codec.toTree(new WorkloadAdmitted("run-1/train[1]/1",
                "training", "normal", 100, 1, Map.of("cpu", "2", "memory", "4Gi", "gpu", "0"), true,
                Instant.parse("2026-11-23T10:00:00Z"), Instant.parse("2026-11-23T10:00:12Z"), 12.0, "run-1",
                "train[1]", 1)));
        codec.validate(EventTypes.STEP_COMPLETED, codec.toTree(new StepCompleted("run-1", "train[1]", 1,
                Map.of("model", "s3://models/forest.onnx"), Map.of("accuracy", 0.91), List.of(new StepCompleted.Artifact(
                "model", "s3://models/forest.onnx", "sha256:" + "ab".repeat(32))))));
        codec.validate(EventTypes.STEP_FAILED, codec.toTree(new StepFailed("run-1", "train[1]", 2, "OutOfMemory", 137,
                true, "killed at 4.0 GiB")));
        codec.validate(EventTypes.STEP_HEARTBEAT, codec.toTree(new StepHeartbeat("run-1", "train[1]", 1,
                Instant.parse("2026-11-23T10:00:00Z"), 42.5, 23L << 20, 256L << 20, Map.of("epoch", 3.0, "accuracy",
                0.3), Map.of("training-set", true))));
        codec.validate(EventTypes.SCHEDULER_TICK, codec.toTree(new SchedulerTick(null)));
        codec.validate(EventTypes.SERVING_DEMAND_REPORTED, codec.toTree(new DemandReported("inference",
                "inference-00001-deployment-7f9c-2b1e", 12, Instant.parse("2026-11-23T10:00:00Z"),
                List.of(new DemandReported.ModelDemand("digits", 16, 40)), 4, Map.of("cpu", "8", "memory", "16Gi"))));
        codec.validate(EventTypes.STEP_SKIPPED, codec.toTree(new StepSkipped("run-1", "report", "every upstream "
                + "step was skipped")));
        codec.validate(EventTypes.STEP_FAILED, codec.toTree(new StepFailed("run-1", "train[2]", 3, "DeadlineExceeded",
                null, false, "killed after its deadline", List.of(new StepCompleted.Artifact("checkpoint",
                "s3://models/train-2/epoch-38.onnx", null)))));
        codec.validate(EventTypes.STEP_RETRY_DECIDED, codec.toTree(new StepRetryDecided("run-1", "model-selection",
                "train[1]", 2, "RETRY_WITH_RESOURCES", List.of("killed for memory at 250 MiB of a 256 MiB limit"),
                Map.of("peakMemoryBytes", 262144000L), Instant.parse("2026-11-23T10:00:12Z"), 512L << 20, null)));
        codec.validate(EventTypes.STEP_ALERT_RAISED, codec.toTree(new StepAlert("run-1", "model-selection",
                "train[1]", 3, "OutOfMemory", "OutOfMemory 3 times in a row, never past 12% progress")));
        assertThatThrownBy(() -> codec.validate(EventTypes.STEP_RETRY_DECIDED, codec.toTree(new StepRetryDecided(
                "run-1", "model-selection", "train[1]", 2, "TRY_HARDER", List.of("why"), null, null, null, null))))
                .isInstanceOf(InvalidEventException.class).hasMessageContaining("action");
        codec.validate(EventTypes.PIPELINE_RUN_FAILED, codec.toTree(new RunFinished("run-1", "model-selection", 2,
                "failed", Map.of("train[0]", "FAILED", "serve", "UPSTREAM_FAILED"))));
        assertThatThrownBy(() -> codec.validate(EventTypes.STEP_DISPATCHED, codec.toTree(new StepDispatched("run-1",
                "model-selection", 2, "train", "train[1]", 0, "cron", Map.of(), 0, 1, 0, 1, null, null, null, null))))
                .isInstanceOf(InvalidEventException.class)
                .hasMessageContaining("attempt").hasMessageContaining("executor").hasMessageContaining("cpuMillis");
        assertThatThrownBy(() -> codec.validate(EventTypes.MODEL_ALERT_RAISED, codec.toTree(new ModelAlert("digits",
                "2", "feeling-off", "why", null, null, null))))
                .isInstanceOf(InvalidEventException.class).hasMessageContaining("kind");
        assertThatThrownBy(() -> codec.validate(EventTypes.INFERENCE_LABEL, codec.toTree(new InferenceLabel("digits",
                "", null, JsonNodeFactory.instance.objectNode()))))
                .isInstanceOf(InvalidEventException.class).hasMessageContaining("inferenceId")
                .hasMessageContaining("label");
    }

    @Test
    void structuredModeRoundTripKeepsAttributesExtensionsAndPayload() {
        CloudEvent event = codec.encode(EventTypes.INFERENCE_REQUESTED, SOURCE, request(),
                Map.of(CorrelationExtensions.RUN_ID, "run42"));
        EventFormat format = EventFormatProvider.getInstance().resolveFormat(JsonFormat.CONTENT_TYPE);
        CloudEvent back = format.deserialize(format.serialize(event));

        assertThat(back.getType()).isEqualTo(EventTypes.INFERENCE_REQUESTED);
        assertThat(back.getSource()).isEqualTo(SOURCE);
        assertThat(back.getId()).isEqualTo(event.getId());
        assertThat(back.getTime()).isEqualTo(event.getTime());
        assertThat(back.getExtension(CorrelationExtensions.RUN_ID)).isEqualTo("run42");
        assertThat(codec.decode(back, InferenceRequested.class)).isEqualTo(request());
    }

    @Test
    void binaryModeDataDecodesToTheSameRecord() {
        byte[] body = codec.toJson(request());
        CloudEvent event = CloudEventBuilder.v1().withId("1").withSource(SOURCE)
                .withType(EventTypes.INFERENCE_REQUESTED).withDataContentType("application/json").withData(body)
                .build();
        assertThat(codec.decode(event, InferenceRequested.class)).isEqualTo(request());
    }

    @Test
    void unknownPropertiesAreIgnoredSoProducersCanAddOptionalFields() {
        String json = """
                {"model":"digits","inputs":[{"name":"input","datatype":"FP32","shape":[1],"data":[1]}],
                 "addedLater":{"anything":true}}""";
        CloudEvent event = binary(EventTypes.INFERENCE_REQUESTED, json);
        assertThat(codec.decode(event, InferenceRequested.class).model()).isEqualTo("digits");
    }

    @Test
    void schemaViolationsNameEveryOffendingPath() {
        String json = """
                {"inputs":[{"name":"input","datatype":"FP16","shape":[-1],"data":[1]}]}""";
        assertThatThrownBy(() -> codec.decode(binary(EventTypes.INFERENCE_REQUESTED, json), InferenceRequested.class))
                .isInstanceOf(InvalidEventException.class)
                .satisfies(e -> assertThat(((InvalidEventException) e).problems())
                        .anySatisfy(p -> assertThat(p).contains("model"))
                        .anySatisfy(p -> assertThat(p).contains("inputs[0].datatype"))
                        .anySatisfy(p -> assertThat(p).contains("inputs[0].shape[0]")));
    }

    @Test
    void aNumberBeyondADoublesRangeIsRefusedNamingItsPathRatherThanReadAsInfinity() {
        String json = "{\"runId\":\"r\",\"instance\":\"train\",\"attempt\":1,"
                + "\"metrics\":{\"accuracy\":0.9,\"loss\":1e400,\"steps\":-" + "9".repeat(400) + "}}";
        assertThatThrownBy(() -> codec.decode(binary(EventTypes.STEP_COMPLETED, json), StepCompleted.class))
                .isInstanceOf(InvalidEventException.class)
                .satisfies(e -> assertThat(((InvalidEventException) e).problems()).containsExactly(
                        "$.metrics.loss: the number is out of range; expected a finite number of magnitude at most "
                                + "about 1.8e308",
                        "$.metrics.steps: the number is out of range; expected a finite number of magnitude at most "
                                + "about 1.8e308"));
        String inArray = "{\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[2],"
                + "\"data\":[1.5,-2e999]}],\"model\":\"digits\"}";
        assertThatThrownBy(() -> codec.decode(binary(EventTypes.INFERENCE_REQUESTED, inArray),
                InferenceRequested.class))
                .isInstanceOf(InvalidEventException.class)
                .satisfies(e -> assertThat(((InvalidEventException) e).problems()).containsExactly(
                        "$.inputs[0].data[1]: the number is out of range; expected a finite number of magnitude at "
                                + "most about 1.8e308"));
    }

    @Test
    void theStoresLimitsAreInTheSchemas() {
        String longName = "m".repeat(194);
        String completed = "{\"runId\":\"r\",\"instance\":\"train\",\"attempt\":1,\"metrics\":{\"" + longName
                + "\":1},\"artifacts\":[{\"name\":\"" + "a".repeat(201) + "\",\"uri\":\"s3://b/k\"}]}";
        assertThatThrownBy(() -> codec.decode(binary(EventTypes.STEP_COMPLETED, completed), StepCompleted.class))
                .isInstanceOf(InvalidEventException.class)
                .satisfies(e -> assertThat(((InvalidEventException) e).problems())
                        .anySatisfy(p -> assertThat(p).contains("artifacts[0].name", "200"))
                        .anySatisfy(p -> assertThat(p).contains("metrics", "193")));
        String failed = "{\"runId\":\"r\",\"instance\":\"train\",\"attempt\":1,\"errorClass\":\""
                + "E".repeat(201) + "\"}";
        assertThatThrownBy(() -> codec.decode(binary(EventTypes.STEP_FAILED, failed), StepFailed.class))
                .isInstanceOf(InvalidEventException.class).hasMessageContaining("errorClass")
                .hasMessageContaining("200");
        String heartbeat = "{\"runId\":\"r\",\"instance\":\"train\",\"attempt\":1,\"metrics\":{\"" + longName
                + "\":1},\"dataAvailable\":{\"" + "d".repeat(196) + "\":true}}";
        assertThatThrownBy(() -> codec.decode(binary(EventTypes.STEP_HEARTBEAT, heartbeat), StepHeartbeat.class))
                .isInstanceOf(InvalidEventException.class)
                .satisfies(e -> assertThat(((InvalidEventException) e).problems())
                        .anySatisfy(p -> assertThat(p).contains("metrics", "193"))
                        .anySatisfy(p -> assertThat(p).contains("dataAvailable", "195")));
    }

    @Test
    void unparseableDataAndMissingDataAreInvalidEvents() {
        assertThatThrownBy(() -> codec.decode(binary(EventTypes.INFERENCE_REQUESTED, "{not json"),
                InferenceRequested.class))
                .isInstanceOf(InvalidEventException.class).hasMessageContaining("data: not valid JSON");
        CloudEvent empty = CloudEventBuilder.v1().withId("1").withSource(SOURCE)
                .withType(EventTypes.INFERENCE_REQUESTED).build();
        assertThatThrownBy(() -> codec.decode(empty, InferenceRequested.class))
                .isInstanceOf(InvalidEventException.class).hasMessageContaining("data: is missing");
    }

    @Test
    void unknownTypeIsAnInvalidEvent() {
        CloudEvent event = binary("com.example.other", "{}");
        assertThatThrownBy(() -> codec.decode(event, InferenceRequested.class))
                .isInstanceOf(InvalidEventException.class)
                .hasMessageContaining("\"com.example.other\" is not a Quiver event type");
    }

    @Test
    void extensionNamesMustBeLowerCaseAlphanumeric() {
        assertThat(CorrelationExtensions.isValidName(CorrelationExtensions.CORRELATION_ID)).isTrue();
        assertThat(CorrelationExtensions.isValidName(CorrelationExtensions.STEP_ID)).isTrue();
        assertThat(CorrelationExtensions.isValidName(CorrelationExtensions.ATTEMPT)).isTrue();
        assertThatIllegalArgumentException()
                .isThrownBy(() -> codec.encode(EventTypes.INFERENCE_REQUESTED, SOURCE, request(),
                        Map.of("runId", "x")))
                .withMessageContaining("\"runId\" is not a CloudEvents name");
    }

    @Test
    void anEventThatWouldBreakItsOwnSchemaIsRefusedBeforeItLeaves() {
        InferenceRequested noModel = new InferenceRequested(null, null, request().inputs(), null);
        assertThatIllegalArgumentException()
                .isThrownBy(() -> codec.encode(EventTypes.INFERENCE_REQUESTED, SOURCE, noModel, Map.of()))
                .withMessageContaining("would break its schema").withMessageContaining("model");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> codec.data(EventTypes.INFERENCE_REQUESTED, noModel))
                .withMessageContaining("model");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> codec.data("dev.quiver.made.up", request()))
                .withMessageContaining("not in the event catalog");
    }

    @Test
    void anEventWithAGivenIdCarriesItsSubjectAndCorrelation() {
        CloudEvent event = codec.encode("reply-1", EventTypes.INFERENCE_REQUESTED, SOURCE, "digits", request(),
                Map.of(CorrelationExtensions.CORRELATION_ID, "request-1"));
        assertThat(event.getId()).isEqualTo("reply-1");
        assertThat(event.getSubject()).isEqualTo("digits");
        assertThat(event.getExtension(CorrelationExtensions.CORRELATION_ID)).isEqualTo("request-1");
        assertThat(event.getTime()).isEqualTo(Instant.parse("2026-11-23T10:00:00Z").atOffset(ZoneOffset.UTC));
        assertThat(codec.decode(event, InferenceRequested.class)).isEqualTo(request());
    }

    @Test
    void foreignEventsCarryTheirSendersDataButACatalogTypeStillMeetsItsSchema() {
        CloudEvent foreign = codec.encodeForeign("1", "com.example.report", SOURCE, null, Map.of("any", "thing"),
                Map.of());
        assertThat(new String(foreign.getData().toBytes(), StandardCharsets.UTF_8)).isEqualTo("{\"any\":\"thing\"}");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> codec.encodeForeign("2", EventTypes.INFERENCE_REQUESTED, SOURCE, null,
                        Map.of("model", "digits"), Map.of()))
                .withMessageContaining("inputs");
    }

    @Test
    void payloadMustMatchTheTypeItIsSentAs() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> codec.encode(EventTypes.INFERENCE_COMPLETED, SOURCE, request(), Map.of()))
                .withMessageContaining("carries InferenceCompleted, not InferenceRequested");
    }

    private static InferenceRequested request() {
        return new InferenceRequested("digits", "1",
                List.of(new TensorPayload("input", "FP32", List.of(1L, 2L), floats(1, 2))), List.of("output"));
    }

    private static CloudEvent binary(String type, String json) {
        return CloudEventBuilder.v1().withId("1").withSource(SOURCE).withType(type)
                .withDataContentType("application/json").withData(json.getBytes(StandardCharsets.UTF_8)).build();
    }

    private static com.fasterxml.jackson.databind.JsonNode floats(double... values) {
        var array = JsonNodeFactory.instance.arrayNode();
        for (double v : values) {
            array.add(v);
        }
        return array;
    }
}
