package dev.quiver.inference.protocol;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.notNullValue;

import dev.quiver.inference.fixtures.Digits;
import dev.quiver.inference.fixtures.Readiness;
import dev.quiver.inference.fixtures.StandardRepository;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@QuarkusTest
@WithTestResource(StandardRepository.class)
class V2ProtocolTest {

    @BeforeEach
    void modelsLoaded() {
        Readiness.awaitReady();
    }

    @Test
    void serverMetadataNamesTheBinaryExtension() {
        given().get("/v2").then().statusCode(200)
                .body("name", equalTo("quiver"))
                .body("version", notNullValue())
                .body("extensions", hasItem("binary_tensor_data"));
    }

    @Test
    void liveAndReadyOnceEveryModelIsLoaded() {
        given().get("/v2/health/live").then().statusCode(200).body("live", equalTo(true));
        given().get("/v2/health/ready").then().statusCode(200).body("ready", equalTo(true));
        given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));
    }

    @Test
    void modelMetadataComesFromTheOnnxGraph() {
        given().get("/v2/models/digits").then().statusCode(200)
                .body("name", equalTo("digits"))
                .body("versions", contains("1"))
                .body("platform", equalTo("onnxruntime_onnx"))
                .body("inputs[0].name", equalTo("input"))
                .body("inputs[0].datatype", equalTo("FP32"))
                .body("inputs[0].shape", contains(-1, 64))
                .body("outputs[0].name", equalTo("output"))
                .body("outputs[0].shape", contains(-1, 10))
                .body("status[0].state", equalTo("READY"));
        given().get("/v2/models/digits/versions/1").then().statusCode(200).body("inputs[0].shape", contains(-1, 64));
        given().get("/v2/models/fixed_shape").then().statusCode(200).body("inputs[0].shape", contains(2, 2));
    }

    @Test
    void renamedOutputsAreServedUnderTheirNewNames() {
        given().get("/v2/models/sum_and_product").then().statusCode(200)
                .body("outputs.name", contains("total", "product"));
    }

    @Test
    void readyEndpointsPerModelAndVersion() {
        given().get("/v2/models/digits/ready").then().statusCode(200).body("ready", equalTo(true));
        given().get("/v2/models/digits/versions/1/ready").then().statusCode(200).body("ready", equalTo(true));
        given().get("/v2/models/nope/ready").then().statusCode(404).body("error", containsString("\"nope\""));
        given().get("/v2/models/digits/versions/7/ready").then().statusCode(404)
                .body("error", containsString("no version \"7\""));
    }

    @Test
    void digitsPredictionsMatchTheTrainedModel() {
        for (int row = 0; row < 20; row++) {
            Response response = given().contentType(ContentType.JSON)
                    .body(inferBody("r" + row, "input", "FP32", "[1,64]", Digits.pixelsJson(row)))
                    .post("/v2/models/digits/infer");
            response.then().statusCode(200)
                    .body("model_name", equalTo("digits"))
                    .body("model_version", equalTo("1"))
                    .body("id", equalTo("r" + row))
                    .body("outputs[0].name", equalTo("output"))
                    .body("outputs[0].datatype", equalTo("FP32"))
                    .body("outputs[0].shape", contains(1, 10));
            List<Float> probabilities = response.jsonPath().getList("outputs[0].data", Float.class);
            double[] expected = Digits.expectedProbabilities(row);
            for (int digit = 0; digit < 10; digit++) {
                assertThat((double) probabilities.get(digit)).isCloseTo(expected[digit], within(1e-5));
            }
        }
    }

    @Test
    void largeRequestsInJsonAndBinaryAreReadWhole() {
        int rows = 1000;
        StringBuilder data = new StringBuilder("[");
        ByteBuffer binary = ByteBuffer.allocate(rows * 64 * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int row = 0; row < rows; row++) {
            data.append(row == 0 ? "" : ",").append(Digits.pixelsJson(row));
            for (double pixel : Digits.image(row).pixels()) {
                binary.putFloat((float) pixel);
            }
        }
        String json = inferBody(null, "input", "FP32", "[" + rows + ",64]", data.append("]").toString());
        assertThat(json.length()).isGreaterThan(100_000);
        List<Float> fromJson = given().contentType(ContentType.JSON).body(json).post("/v2/models/digits/infer")
                .then().statusCode(200).body("outputs[0].shape", contains(rows, 10))
                .extract().jsonPath().getList("outputs[0].data", Float.class);
        byte[] header = ("{\"inputs\":[{\"name\":\"input\",\"shape\":[" + rows + ",64],\"datatype\":\"FP32\","
                + "\"parameters\":{\"binary_data_size\":" + binary.capacity() + "}}]}").getBytes(StandardCharsets.UTF_8);
        List<Float> fromBinary = given().contentType("application/octet-stream")
                .header("Inference-Header-Content-Length", header.length).body(concat(header, binary.array()))
                .post("/v2/models/digits/infer")
                .then().statusCode(200).extract().jsonPath().getList("outputs[0].data", Float.class);
        assertThat(fromBinary).isEqualTo(fromJson);
        for (int row = 0; row < rows; row += 37) {
            double[] expected = Digits.expectedProbabilities(row);
            for (int digit = 0; digit < 10; digit++) {
                assertThat((double) fromJson.get(row * 10 + digit)).isCloseTo(expected[digit], within(1e-5));
            }
        }
    }

    @Test
    void nestedAndFlatDataGiveTheSameAnswer() {
        String rows = "[" + Digits.pixelsJson(3) + "," + Digits.pixelsJson(4) + "]";
        String flat = rows.replace("],[", ",").replace("[[", "[").replace("]]", "]");
        List<Float> nested = given().contentType(ContentType.JSON)
                .body(inferBody(null, "input", "FP32", "[2,64]", rows)).post("/v2/models/digits/infer")
                .then().statusCode(200).body("outputs[0].shape", contains(2, 10))
                .extract().jsonPath().getList("outputs[0].data", Float.class);
        List<Float> flattened = given().contentType(ContentType.JSON)
                .body(inferBody(null, "input", "FP32", "[2,64]", flat)).post("/v2/models/digits/infer")
                .then().statusCode(200).extract().jsonPath().getList("outputs[0].data", Float.class);
        assertThat(nested).hasSize(20).isEqualTo(flattened);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "BOOL  | [true,false,true,false,false,true]",
            "UINT8 | [0,1,127,128,254,255]",
            "INT8  | [-128,-1,0,1,64,127]",
            "INT16 | [-32768,-1,0,1,300,32767]",
            "INT32 | [-2147483648,-1,0,1,70000,2147483647]",
            "INT64 | [-9223372036854775808,-1,0,1,4294967296,9223372036854775807]",
            "FP32  | [-1.5,0.0,0.25,3.4028235E38,1.0E-7,42.0]",
            "FP64  | [-1.5,0.0,0.1,1.7976931348623157E308,1.0E-300,42.0]"})
    void everyDatatypeRoundTripsThroughJson(String datatype, String data) {
        String model = "identity_" + datatype.toLowerCase();
        String answer = given().contentType(ContentType.JSON)
                .body(inferBody(null, "x", datatype, "[2,3]", data)).post("/v2/models/" + model + "/infer")
                .then().statusCode(200)
                .body("outputs[0].datatype", equalTo(datatype))
                .body("outputs[0].shape", contains(2, 3))
                .extract().body().asString();
        assertThat(answer).contains("\"data\":" + data);
    }

    @Test
    void binaryTensorDataInAndOut() {
        float[] values = {1.5f, -2f, 3.25f, 0f, 7f, Float.MIN_VALUE};
        String identityHeader = """
                {"inputs":[{"name":"x","shape":[2,3],"datatype":"FP32","parameters":{"binary_data_size":24}}],
                 "parameters":{"binary_data_output":true}}""";
        byte[] identityJson = identityHeader.getBytes(StandardCharsets.UTF_8);
        ByteBuffer input = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 6; i++) {
            input.putFloat(values[i]);
        }
        Response binary = given().contentType("application/octet-stream")
                .header("Inference-Header-Content-Length", identityJson.length)
                .body(concat(identityJson, input.array()))
                .post("/v2/models/identity_fp32/infer");
        binary.then().statusCode(200).contentType("application/octet-stream");
        int headerLength = Integer.parseInt(binary.header("Inference-Header-Content-Length"));
        byte[] body = binary.asByteArray();
        String responseHeader = new String(body, 0, headerLength, StandardCharsets.UTF_8);
        assertThat(responseHeader).contains("\"binary_data_size\":24").doesNotContain("\"data\"");
        ByteBuffer output = ByteBuffer.wrap(body, headerLength, body.length - headerLength)
                .order(ByteOrder.LITTLE_ENDIAN);
        assertThat(body.length - headerLength).isEqualTo(24);
        for (int i = 0; i < 6; i++) {
            assertThat(output.getFloat()).isEqualTo(values[i]);
        }
    }

    @Test
    void binaryInputWithJsonOutput() {
        byte[] json = """
                {"inputs":[{"name":"x","shape":[1,3],"datatype":"INT16","parameters":{"binary_data_size":6}}]}"""
                .getBytes(StandardCharsets.UTF_8);
        ByteBuffer input = ByteBuffer.allocate(6).order(ByteOrder.LITTLE_ENDIAN).putShort((short) -7)
                .putShort((short) 0).putShort((short) 1234);
        given().header("Inference-Header-Content-Length", json.length).contentType("application/octet-stream")
                .body(concat(json, input.array())).post("/v2/models/identity_int16/infer")
                .then().statusCode(200).contentType(ContentType.JSON)
                .body("outputs[0].data", contains(-7, 0, 1234));
    }

    @Test
    void outputSelectionReturnsOnlyTheOutputsAskedFor() {
        String body = """
                {"inputs":[{"name":"a","shape":[1,2],"datatype":"FP32","data":[2,3]},
                           {"name":"b","shape":[1,2],"datatype":"FP32","data":[4,5]}],
                 "outputs":[{"name":"product"}]}""";
        given().contentType(ContentType.JSON).body(body).post("/v2/models/sum_and_product/infer")
                .then().statusCode(200)
                .body("outputs.name", contains("product"))
                .body("outputs[0].data", contains(8.0f, 15.0f));
        given().contentType(ContentType.JSON).body(body.replace("\"product\"", "\"total\""))
                .post("/v2/models/sum_and_product/infer")
                .then().statusCode(200).body("outputs.name", contains("total")).body("outputs[0].data",
                        contains(6.0f, 8.0f));
    }

    @Test
    void theVersionPolicyDecidesWhichVersionsAreServed() {
        String body = inferBody(null, "x", "FP32", "[1,4]", "[0,0,0,0]");
        given().contentType(ContentType.JSON).body(body).post("/v2/models/versioned/infer")
                .then().statusCode(200).body("model_version", equalTo("3")).body("outputs[0].data[0]", equalTo(3.0f));
        given().contentType(ContentType.JSON).body(body).post("/v2/models/versioned/versions/1/infer")
                .then().statusCode(200).body("model_version", equalTo("1")).body("outputs[0].data[0]", equalTo(1.0f));
        given().contentType(ContentType.JSON).body(body).post("/v2/models/versioned/versions/2/infer")
                .then().statusCode(404).body("error", equalTo("model \"versioned\" has no version \"2\"; its versions "
                        + "are [1, 3]"));
        given().get("/v2/models/versioned").then().statusCode(200).body("versions", contains("1", "3"));
    }

    @Test
    void explicitVersionIsServed() {
        given().contentType(ContentType.JSON)
                .body(inferBody(null, "input", "FP32", "[1,64]", Digits.pixelsJson(0)))
                .post("/v2/models/digits/versions/1/infer")
                .then().statusCode(200).body("model_version", equalTo("1"));
    }

    @Test
    void fixedShapeModelIsServedWithoutBatching() {
        given().contentType(ContentType.JSON).body(inferBody(null, "x", "FP32", "[2,2]", "[[1,2],[3,4]]"))
                .post("/v2/models/fixed_shape/infer")
                .then().statusCode(200).body("outputs[0].data", contains(2.0f, 4.0f, 6.0f, 8.0f));
        given().contentType(ContentType.JSON).body(inferBody(null, "x", "FP32", "[1,4]", "[1,2,3,4]"))
                .post("/v2/models/fixed_shape/infer")
                .then().statusCode(400).body("error", containsString("has shape [2, 2]"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "unknown model       | nope   | {\"inputs\":[]}                                                                                  | 404 | model \"nope\" not found",
            "wrong input name    | digits | {\"inputs\":[{\"name\":\"pixels\",\"shape\":[1,64],\"datatype\":\"FP32\",\"data\":[PIXELS]}]}     | 400 | inputs[0].name: model digits has no input \"pixels\"; its inputs are [input]",
            "wrong datatype      | digits | {\"inputs\":[{\"name\":\"input\",\"shape\":[1,64],\"datatype\":\"FP64\",\"data\":[PIXELS]}]}     | 400 | inputs[0].datatype: input \"input\" of model digits is FP32, got FP64",
            "unsupported type    | digits | {\"inputs\":[{\"name\":\"input\",\"shape\":[1,64],\"datatype\":\"FP16\",\"data\":[PIXELS]}]}     | 400 | inputs[0].datatype: \"FP16\" is not supported; use one of BOOL, UINT8, INT8, INT16, INT32, INT64, FP32, FP64",
            "wrong shape         | digits | {\"inputs\":[{\"name\":\"input\",\"shape\":[2,32],\"datatype\":\"FP32\",\"data\":[PIXELS]}]}     | 400 | inputs[0].shape: input \"input\" of model digits has shape [-1, 64] (-1: any size), got [2, 32]",
            "too few elements    | digits | {\"inputs\":[{\"name\":\"input\",\"shape\":[1,64],\"datatype\":\"FP32\",\"data\":[1,2,3]}]}      | 400 | inputs[0].data: expected 64 elements for shape [1, 64], got 3",
            "too many elements   | digits | {\"inputs\":[{\"name\":\"input\",\"shape\":[1,64],\"datatype\":\"FP32\",\"data\":[PIXELS,1]}]}   | 400 | inputs[0].data: more than the 64 elements that shape [1, 64] holds",
            "string element      | digits | {\"inputs\":[{\"name\":\"input\",\"shape\":[1,2],\"datatype\":\"FP32\",\"data\":[1,\"two\"]}]}   | 400 | inputs[0].data[1]: expected a number for FP32, got the string \"two\"",
            "missing shape       | digits | {\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"data\":[1]}]}                           | 400 | inputs[0].shape: is required",
            "negative dimension  | digits | {\"inputs\":[{\"name\":\"input\",\"shape\":[1,-64],\"datatype\":\"FP32\",\"data\":[1]}]}         | 400 | inputs[0].shape[1]: dimensions are whole numbers >= 0",
            "empty batch         | digits | {\"inputs\":[{\"name\":\"input\",\"shape\":[0,64],\"datatype\":\"FP32\",\"data\":[]}]}           | 400 | inputs[0].shape: the first dimension counts items and must be at least 1",
            "no inputs field     | digits | {\"id\":\"x\"}                                                                                   | 400 | inputs: is required",
            "unknown field       | digits | {\"input\":[]}                                                                                   | 400 | input: unknown field; an inference request has id, parameters, inputs, outputs",
            "unknown output      | digits | {\"inputs\":[{\"name\":\"input\",\"shape\":[1,64],\"datatype\":\"FP32\",\"data\":[PIXELS]}],\"outputs\":[{\"name\":\"label\"}]} | 400 | outputs[0].name: model digits has no output \"label\"; its outputs are [output]",
            "malformed JSON      | digits | {\"inputs\":[{\"name\":                                                                          | 400 | request body: malformed JSON at line 1",
            "not an object       | digits | [1,2,3]                                                                                          | 400 | request body: expected a JSON object",
            "missing input       | sum_and_product | {\"inputs\":[{\"name\":\"a\",\"shape\":[1,2],\"datatype\":\"FP32\",\"data\":[1,2]}]}    | 400 | inputs: missing [b]; model sum_and_product needs [a, b]",
            "batch sizes differ  | sum_and_product | {\"inputs\":[{\"name\":\"a\",\"shape\":[1,2],\"datatype\":\"FP32\",\"data\":[1,2]},{\"name\":\"b\",\"shape\":[2,2],\"datatype\":\"FP32\",\"data\":[1,2,3,4]}]} | 400 | inputs[1].shape: every input carries the same number of items",
            "INT8 out of range   | identity_int8   | {\"inputs\":[{\"name\":\"x\",\"shape\":[1,3],\"datatype\":\"INT8\",\"data\":[1,2,300]}]}   | 400 | inputs[0].data[2]: 300 is out of range for INT8",
            "fraction for INT32  | identity_int32  | {\"inputs\":[{\"name\":\"x\",\"shape\":[1,3],\"datatype\":\"INT32\",\"data\":[1,2,2.5]}]}  | 400 | inputs[0].data[2]: expected an integer for INT32",
            "number for BOOL     | identity_bool   | {\"inputs\":[{\"name\":\"x\",\"shape\":[1,3],\"datatype\":\"BOOL\",\"data\":[true,1,false]}]} | 400 | inputs[0].data[1]: expected true or false for BOOL",
            "ragged nesting      | identity_fp32   | {\"inputs\":[{\"name\":\"x\",\"shape\":[2,3],\"datatype\":\"FP32\",\"data\":[[1,2,3],[4,5]]}]} | 400 | inputs[0].data: an array at depth 2 has 2 elements, shape [2, 3] needs 3",
            "index out of range  | lookup          | {\"inputs\":[{\"name\":\"index\",\"shape\":[1,1],\"datatype\":\"INT64\",\"data\":[12]}]}    | 400 | model lookup/1 rejected the input",
            "shape after data    | digits | {\"inputs\":[{\"name\":\"input\",\"shape\":[1,64],\"datatype\":\"FP32\",\"data\":[PIXELS],\"shape\":[2,64]}]} | 400 | inputs[0].shape: given twice",
            "datatype after data | digits | {\"inputs\":[{\"name\":\"input\",\"shape\":[1,64],\"datatype\":\"FP32\",\"data\":[PIXELS],\"datatype\":\"FP64\"}]} | 400 | inputs[0].datatype: given twice",
            "data given twice    | digits | {\"inputs\":[{\"name\":\"input\",\"shape\":[1,64],\"datatype\":\"FP32\",\"data\":[PIXELS],\"data\":[PIXELS]}]} | 400 | inputs[0].data: given twice",
            "inputs given twice  | digits | {\"inputs\":[{\"name\":\"input\",\"shape\":[1,64],\"datatype\":\"FP32\",\"data\":[PIXELS]}],\"inputs\":[]} | 400 | inputs: given twice",
            "parameter twice     | digits | {\"parameters\":{\"a\":1,\"a\":2},\"inputs\":[]}                                              | 400 | parameters.a: given twice",
            "FP32 above range    | digits | {\"inputs\":[{\"name\":\"input\",\"shape\":[1,2],\"datatype\":\"FP32\",\"data\":[1,1e39]}]}    | 400 | inputs[0].data[1]: 1e39 is out of range for FP32",
            "FP32 far above      | digits | {\"inputs\":[{\"name\":\"input\",\"shape\":[1,2],\"datatype\":\"FP32\",\"data\":[-1e400,1]}]}  | 400 | inputs[0].data[0]: -1e400 is out of range for FP32",
            "FP64 above range    | identity_fp64   | {\"inputs\":[{\"name\":\"x\",\"shape\":[1,2],\"datatype\":\"FP64\",\"data\":[1e400,0]}]}   | 400 | inputs[0].data[0]: 1e400 is out of range for FP64",
            "huge binary size    | digits | {\"inputs\":[{\"name\":\"input\",\"shape\":[1,64],\"datatype\":\"FP32\",\"parameters\":{\"binary_data_size\":18446744073709551872}}]} | 400 | inputs[0].parameters.binary_data_size: 18446744073709551872 is out of range"})
    void badInputGetsAClearError(String description, String model, String body, int status, String message) {
        String request = body.replace("PIXELS", Digits.pixelsJson(0).replace("[", "").replace("]", ""));
        given().contentType(ContentType.JSON).body(request).post("/v2/models/" + model + "/infer")
                .then().statusCode(status).contentType(ContentType.JSON).body("error", containsString(message));
    }

    @Test
    void unknownVersionIs404() {
        given().contentType(ContentType.JSON)
                .body(inferBody(null, "input", "FP32", "[1,64]", Digits.pixelsJson(0)))
                .post("/v2/models/digits/versions/9/infer")
                .then().statusCode(404).body("error", equalTo("model \"digits\" has no version \"9\"; its versions are [1]"));
        given().get("/v2/models/digits/versions/latest").then().statusCode(404);
    }

    @Test
    void binaryDataErrorsNameTheProblem() {
        byte[] json = """
                {"inputs":[{"name":"x","shape":[1,3],"datatype":"FP32","parameters":{"binary_data_size":8}}]}"""
                .getBytes(StandardCharsets.UTF_8);
        given().header("Inference-Header-Content-Length", json.length).contentType("application/octet-stream")
                .body(concat(json, new byte[8])).post("/v2/models/identity_fp32/infer")
                .then().statusCode(400).body("error", containsString(
                        "inputs[0].parameters.binary_data_size: shape [1, 3] of FP32 needs 12 bytes, got 8"));
        byte[] right = new String(json, StandardCharsets.UTF_8).replace(":8}", ":12}").getBytes(StandardCharsets.UTF_8);
        given().header("Inference-Header-Content-Length", right.length).contentType("application/octet-stream")
                .body(concat(right, new byte[10])).post("/v2/models/identity_fp32/infer")
                .then().statusCode(400).body("error", containsString("the binary data ends after 10"));
        given().header("Inference-Header-Content-Length", right.length).contentType("application/octet-stream")
                .body(concat(right, new byte[14])).post("/v2/models/identity_fp32/infer")
                .then().statusCode(400).body("error", containsString("2 bytes after the JSON header"));
        given().header("Inference-Header-Content-Length", "lots").contentType("application/octet-stream")
                .body(concat(right, new byte[12])).post("/v2/models/identity_fp32/infer")
                .then().statusCode(400).body("error", containsString("Inference-Header-Content-Length"));
        given().header("Inference-Header-Content-Length", 5000).contentType("application/octet-stream")
                .body(concat(right, new byte[12])).post("/v2/models/identity_fp32/infer")
                .then().statusCode(400).body("error", containsString("is larger than the body"));
    }

    @Test
    void aBinaryShapeWhoseByteCountOverflowsIsRefused() {
        // 2^56 x 64 elements of 4 bytes: 2^64 bytes, which wraps to 0 in 64-bit arithmetic
        for (String size : List.of("0", "256")) {
            byte[] json = ("{\"inputs\":[{\"name\":\"input\",\"shape\":[72057594037927936,64],"
                    + "\"datatype\":\"FP32\",\"parameters\":{\"binary_data_size\":" + size + "}}]}")
                    .getBytes(StandardCharsets.UTF_8);
            given().header("Inference-Header-Content-Length", json.length).contentType("application/octet-stream")
                    .body(concat(json, new byte[Integer.parseInt(size)])).post("/v2/models/digits/infer")
                    .then().statusCode(400).body("error", equalTo("inputs[0].shape: [72057594037927936, 64] of FP32 "
                            + "is more bytes than can be addressed"));
        }
    }

    @Test
    void aShapeThatPromisesMoreThanTheBodyHoldsIsA400() {
        // data padded with blanks to a large body: the shape's 60 million FP64 would be 480 MB
        String body = "{\"inputs\":[{\"name\":\"x\",\"shape\":[60000000,1],\"datatype\":\"FP64\",\"data\":[0"
                + " ".repeat(1_500_000) + "]}]}";
        given().contentType(ContentType.JSON).body(body).post("/v2/models/identity_fp64/infer").then().statusCode(400)
                .body("error", equalTo("inputs[0].data: expected 60000000 elements for shape [60000000, 1], got 1"));
        String dataFirst = "{\"inputs\":[{\"name\":\"x\",\"data\":[0" + " ".repeat(1_500_000)
                + "],\"shape\":[60000000,1],\"datatype\":\"FP64\"}]}";
        given().contentType(ContentType.JSON).body(dataFirst).post("/v2/models/identity_fp64/infer").then()
                .statusCode(400).body("error", containsString("expected 60000000 elements"));
    }

    @Test
    void oversizedBodyIs413() {
        byte[] big = new byte[3 * 1024 * 1024];
        given().contentType(ContentType.JSON).body(big).post("/v2/models/digits/infer")
                .then().statusCode(413).body("error", containsString("quiver.inference.max-request-size"));
    }

    @Test
    void unknownPathAndMethodGetJsonErrors() {
        given().get("/v2/nothing/here").then().statusCode(404).contentType(ContentType.JSON)
                .body("error", containsString("no endpoint"));
        given().delete("/v2/models/digits").then().statusCode(405).contentType(ContentType.JSON);
    }

    @Test
    void requestIdIsEchoedOrAssigned() {
        given().header("X-Request-Id", "trace-42").get("/v2/models/digits").then()
                .header("X-Request-Id", "trace-42");
        given().get("/v2/models/digits").then().header("X-Request-Id", notNullValue());
    }

    @Test
    void theProcessSurvivesBadRequests() {
        for (int i = 0; i < 50; i++) {
            given().contentType(ContentType.JSON).body("{\"inputs\":[{\"name\":\"input\",\"shape\":[1," + i
                    + "],\"datatype\":\"FP32\",\"data\":" + "[1]".repeat(i % 3 + 1) + "}]}")
                    .post("/v2/models/digits/infer").then().statusCode(400);
        }
        given().contentType(ContentType.JSON).body(inferBody(null, "input", "FP32", "[1,64]", Digits.pixelsJson(0)))
                .post("/v2/models/digits/infer").then().statusCode(200);
    }

    static String inferBody(String id, String input, String datatype, String shape, String data) {
        return "{" + (id == null ? "" : "\"id\":\"" + id + "\",") + "\"inputs\":[{\"name\":\"" + input
                + "\",\"shape\":" + shape + ",\"datatype\":\"" + datatype + "\",\"data\":" + data + "}]}";
    }

    private static byte[] concat(byte[] first, byte[] second) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(first);
        out.writeBytes(second);
        return out.toByteArray();
    }
}
