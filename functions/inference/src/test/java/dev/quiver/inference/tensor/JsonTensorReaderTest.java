package dev.quiver.inference.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import dev.quiver.inference.InferenceException;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class JsonTensorReaderTest {

    private static final JsonFactory JSON = new JsonFactory();

    @Test
    void flatAndNestedReadTheSame() throws IOException {
        ByteBuffer flat = shaped("[1,2,3,4,5,6]", Datatype.INT32, 2, 3);
        ByteBuffer nested = shaped("[[1,2,3],[4,5,6]]", Datatype.INT32, 2, 3);
        assertThat(flat).isEqualTo(nested);
        assertThat(flat.order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt(20)).isEqualTo(6);
    }

    @Test
    void deeperNestingFollowsTheShape() throws IOException {
        ByteBuffer data = shaped("[[[1,2],[3,4]],[[5,6],[7,8]]]", Datatype.INT8, 2, 2, 2);
        assertThat(data.get(7)).isEqualTo((byte) 8);
        assertError("[[[1,2],[3,4]],[[5,6]]]", Datatype.INT8, "an array at depth 2 has 1 elements, shape [2, 2, 2] needs 2",
                2, 2, 2);
        assertError("[[1,2],[3,4]]", Datatype.INT8, "a value at depth 2 where shape [2, 2, 1] nests values 3 deep",
                2, 2, 1);
        assertError("[1,[2]]", Datatype.INT8, "nested deeper than shape", 1, 2);
    }

    @Test
    void scalarTensorsHoldOneElement() throws IOException {
        assertThat(shaped("[3.5]", Datatype.FP64).getDouble(0)).isEqualTo(3.5);
        assertError("[1,2]", Datatype.FP64, "more than the 1 elements");
    }

    @Test
    void integerRangesPerType() {
        assertError("[256]", Datatype.UINT8, "data[0]: 256 is out of range for UINT8", 1);
        assertError("[-1]", Datatype.UINT8, "data[0]: -1 is out of range for UINT8", 1);
        assertError("[32768]", Datatype.INT16, "32768 is out of range for INT16", 1);
        assertError("[2147483648]", Datatype.INT32, "2147483648 is out of range for INT32", 1);
        assertError("[9223372036854775808]", Datatype.INT64, "9223372036854775808 is out of range for INT64", 1);
    }

    @Test
    void elementTypesAreChecked() {
        assertError("[null]", Datatype.FP32, "data[0]: expected a number for FP32, got null", 1);
        assertError("[{}]", Datatype.FP32, "data[0]: expected a number for FP32, got an object", 1);
        assertError("[1e3]", Datatype.INT64, "data[0]: expected an integer for INT64, got a number", 1);
        assertError("[\"true\"]", Datatype.BOOL, "data[0]: expected true or false for BOOL, got the string", 1);
        assertError("{\"a\":1}", Datatype.FP32, "data: expected an array, got an object", 1);
    }

    @Test
    void aShapeThatPromisesMoreThanTheDataCostsOnlyWhatTheDataHolds() {
        // 10^12 FP64 elements would be 8 TB, more than any buffer: allocating for the shape would fail another way
        assertThatThrownBy(() -> {
            try (JsonParser parser = JSON.createParser("[1]")) {
                parser.nextToken();
                JsonTensorReader.readShaped(parser, Datatype.FP64, new long[] {1_000_000, 1_000_000}, "data");
            }
        }).isInstanceOf(InferenceException.class)
                .hasMessage("data: expected 1000000000000 elements for shape [1000000, 1000000], got 1");
    }

    @Test
    void numbersBeyondTheirTypesRangeAreRefused() {
        assertError("[1e39]", Datatype.FP32, "data[0]: 1e39 is out of range for FP32 (largest magnitude "
                + "3.4028235E38)", 1);
        assertError("[0, -1e39]", Datatype.FP32, "data[1]: -1e39 is out of range for FP32", 2);
        assertError("[1e400]", Datatype.FP64, "data[0]: 1e400 is out of range for FP64", 1);
        assertError("[1" + "0".repeat(400) + "]", Datatype.FP64, "is out of range for FP64", 1);
    }

    @Test
    void rowsInferTheirShape() throws IOException {
        Tensor tensor = rows("[[[1,2]],[[3,4]],[[5,6]]]", Datatype.FP32);
        assertThat(tensor.shape()).containsExactly(3, 1, 2);
        Tensor scalars = rows("[1,2,3]", Datatype.INT64);
        assertThat(scalars.shape()).containsExactly(3);
        assertThat(rows("[]", Datatype.FP32).shape()).containsExactly(0);
    }

    @Test
    void raggedRowsAreRefused() {
        assertThatThrownBy(() -> rows("[[1,2],[3]]", Datatype.FP32))
                .hasMessageContaining("rows must all have the same shape; found 1 values where the first row has 2");
        assertThatThrownBy(() -> rows("[[1,2],[[3],[4]]]", Datatype.FP32))
                .hasMessageContaining("rows must all have the same shape");
        assertThatThrownBy(() -> rows("[[1,2],3]", Datatype.FP32))
                .hasMessageContaining("rows must all have the same shape");
    }

    @Test
    void writerMirrorsTheReader() throws IOException {
        Tensor tensor = new Tensor("t", Datatype.UINT8, new long[] {2, 2}, shaped("[[0,255],[7,128]]",
                Datatype.UINT8, 2, 2));
        StringWriter flat = new StringWriter();
        try (JsonGenerator generator = JSON.createGenerator(flat)) {
            JsonTensorWriter.writeFlat(generator, tensor);
        }
        assertThat(flat).hasToString("[0,255,7,128]");
        StringWriter row = new StringWriter();
        try (JsonGenerator generator = JSON.createGenerator(row)) {
            JsonTensorWriter.writeRow(generator, tensor, 1);
        }
        assertThat(row).hasToString("[7,128]");
    }

    private static ByteBuffer shaped(String json, Datatype datatype, long... shape) throws IOException {
        try (JsonParser parser = JSON.createParser(json)) {
            parser.nextToken();
            return JsonTensorReader.readShaped(parser, datatype, shape, "data");
        }
    }

    private static Tensor rows(String json, Datatype datatype) throws IOException {
        try (JsonParser parser = JSON.createParser(json)) {
            parser.nextToken();
            return JsonTensorReader.readRows(parser, "t", datatype, "instances", json.length());
        }
    }

    private static void assertError(String json, Datatype datatype, String message, long... shape) {
        assertThatThrownBy(() -> shaped(json, datatype, shape)).isInstanceOf(InferenceException.class)
                .hasMessageContaining(message)
                .satisfies(e -> assertThat(((InferenceException) e).kind())
                        .isEqualTo(InferenceException.Kind.INVALID_INPUT));
    }
}
