package dev.quiver.inference.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.sun.management.ThreadMXBean;
import dev.quiver.inference.InferenceException;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The byte decoder must give every request exactly what the token parser gives it: the same bits, the same errors. */
class DecimalArrayDecoderTest {

    private static final JsonFactory TOKENS = JsonFactory.builder()
            .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER).build();
    private static final JsonFactory BYTES = new InMemoryJsonFactory(TOKENS);

    /** Numbers as callers write them, and the ones where rounding is hardest. */
    private static List<String> numbers(Datatype datatype) {
        Random random = new Random(7);
        List<String> numbers = new ArrayList<>(List.of("0", "-0", "0.0", "-0.0", "0e5", "1", "-1", "16777216",
                "16777217", "16777219", "9007199254740993", "123456789012345678901234567890", "1.5e-7", "1E+3",
                "3.4028235e38", "-3.4028235E38", "1.4e-45", "1e-46", "1.17549435E-38", "1.00000005960464477539062",
                "1.000000059604644775390625", "1.0000000596046447753906251", "0.30000001192092896",
                "0.000000000000000000000000000001", "99999999999999999999.5", "-0.99215686", "0.0039215684"));
        if (datatype == Datatype.FP64) {
            numbers.addAll(List.of("3.4028236e38", "2.2250738585072014E-308", "4.9e-324", "1.7976931348623157e308",
                    "9007199254740993.0", "1e23", "8.98846567431158e307"));
        }
        // every length of integer part and fraction around the eight digits read at once and the 18 kept
        String digits = "12345678901234567890123";
        for (int length = 1; length <= 22; length++) {
            numbers.add(digits.substring(0, length));
            numbers.add("0." + digits.substring(0, length));
            numbers.add("-0." + "0".repeat(length) + "39");
            numbers.add(digits.substring(0, length) + "." + digits.substring(length));
            numbers.add("9".repeat(length) + "e-" + length);
        }
        for (int i = 0; i < 3000; i++) {
            float f = (random.nextFloat() - 0.5f) * (float) Math.pow(10, random.nextInt(20) - 10);
            double d = random.nextGaussian() * Math.pow(10, random.nextInt(40) - 20);
            numbers.add(Float.toString(f));
            numbers.add(Double.toString(d));
            numbers.add(String.format(Locale.ROOT, "%.7f", f));
            numbers.add(String.format(Locale.ROOT, "%.3e", d));
            numbers.add(Long.toString(random.nextLong() >> random.nextInt(64)));
        }
        return numbers;
    }

    @Test
    void everyNumberDecodesToTheBitsTheTokenParserGives() throws IOException {
        for (Datatype datatype : List.of(Datatype.FP32, Datatype.FP64)) {
            List<String> numbers = numbers(datatype);
            String json = numbers.stream().collect(Collectors.joining(",", "[", "]"));
            long[] shape = {numbers.size()};
            ByteBuffer expected = tokens(json, datatype, shape);
            DecimalArrayDecoder.DecodedArray decoded = decode(json, datatype, shape);
            assertThat(decoded).as(datatype.name()).isNotNull();
            for (int i = 0; i < numbers.size(); i++) {
                if (datatype == Datatype.FP32) {
                    assertThat(Float.floatToRawIntBits(decoded.data().getFloat(i * 4))).as(numbers.get(i))
                            .isEqualTo(Float.floatToRawIntBits(expected.getFloat(i * 4)));
                } else {
                    assertThat(Double.doubleToRawLongBits(decoded.data().getDouble(i * 8))).as(numbers.get(i))
                            .isEqualTo(Double.doubleToRawLongBits(expected.getDouble(i * 8)));
                }
            }
        }
    }

    @Test
    void numbersSeparatedByACommaAndSpacesDecodeLikeTheTokenParser() throws IOException {
        for (Datatype datatype : List.of(Datatype.FP32, Datatype.FP64)) {
            List<String> numbers = numbers(datatype);
            long[] shape = {numbers.size()};
            for (String separator : List.of(", ", ",   ", " , ")) {
                String json = numbers.stream().collect(Collectors.joining(separator, "[", "]"));
                assertThat(decode(json, datatype, shape).data()).as(datatype + " separated by '" + separator + "'")
                        .isEqualTo(tokens(json, datatype, shape));
            }
        }
    }

    @Test
    void memoryFollowsTheNumbersReadNotTheShape() throws IOException {
        int count = (int) JsonTensorReader.FIRST_ALLOCATION * 3 + 5;
        String many = IntStream.range(0, count).mapToObj(i -> Float.toString(i * 0.37f - 9000))
                .collect(Collectors.joining(",", "[", "]"));
        for (Datatype datatype : List.of(Datatype.FP32, Datatype.FP64)) {
            ByteBuffer decoded = decode(many, datatype, count).data();
            assertThat(decoded).as(datatype + " past the first allocation").isEqualTo(tokens(many, datatype,
                    new long[] {count}));
            assertThat(decoded.capacity()).isEqualTo(count * datatype.byteSize());
        }

        byte[] blanks = ("[1" + " ".repeat(16_000_000) + "]").getBytes(StandardCharsets.US_ASCII);
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        assertThat(DecimalArrayDecoder.decode(blanks, 0, blanks.length, Datatype.FP64, new long[] {8_000_000}))
                .isNull();
        assertThat(threads.getCurrentThreadAllocatedBytes() - before)
                .as("a shape of 64 MB that the text could hold, in blanks").isLessThan(4L << 20);
    }

    @Test
    void numbersCloseToTheEndOfTheTextDecodeLikeTheTokenParser() throws IOException {
        for (String json : List.of("[0.1234567]", "[12345678]", "[1,0.99215686]", "[7,-0.5]", "[123456789.25]")) {
            long[] shape = {json.split(",").length};
            for (Datatype datatype : List.of(Datatype.FP32, Datatype.FP64)) {
                assertThat(decode(json, datatype, shape).data()).as(datatype + " " + json)
                        .isEqualTo(tokens(json, datatype, shape));
            }
        }
    }

    @Test
    void nestedAndFlatArraysWithWhitespaceDecodeLikeTheTokenParser() throws IOException {
        String nested = "[ [ [1.5, -2],\n [3e0,4.25] ] ,\r\n\t[[5,6],[7,8.125]] ]";
        long[] shape = {2, 2, 2};
        ByteBuffer expected = tokens(nested, Datatype.FP32, shape);
        assertThat(decode(nested, Datatype.FP32, shape).data()).isEqualTo(expected);
        assertThat(decode("[1.5,-2,3,4.25,5,6,7,8.125]", Datatype.FP32, shape).data()).isEqualTo(expected);
    }

    @Test
    void whatTheDecoderDoesNotAcceptIsLeftToTheTokenParserWithItsErrors() {
        List<String> refused = List.of("[1,2", "[1,,2]", "[1,2,]", "[,1,2]", "[1 2]", "[01,2]", "[1.,2]", "[.5,2]",
                "[-,2]", "[1e,2]", "[1,\"2\"]", "[1,null]", "[1,{}]", "[1,true]", "[1, ]", "[1,  ,2]", "[1, 2 ,]",
                "[NaN,1]", "[1,2,3]", "[1]", "[[1],2]", "[[1,2]]", "[1e39,2]", "[1,-1e39]", "[1/*x*/,2]",
                "[1" + "0".repeat(100) + ",2]");
        for (String json : refused) {
            assertThat(decode(json, Datatype.FP32, 2)).as(json).isNull();
            String tokenError = errorOf(TOKENS, json, Datatype.FP32, 2);
            assertThat(tokenError).as(json).isNotNull();
            assertThat(errorOf(BYTES, json, Datatype.FP32, 2)).as(json).isEqualTo(tokenError);
        }
        assertThat(decode("[1e400]", Datatype.FP64, 1)).isNull();
        assertThat(decode("[[1,2],[3]]", Datatype.FP64, 2, 2)).isNull();
        assertThat(decode("[[1,2],[3,4],[5,6]]", Datatype.FP64, 2, 2)).isNull();
        assertThat(decode("[1,2]", Datatype.INT32, 2)).isNull();
        assertThat(decode("[1,2]", Datatype.FP64, 1L << 40)).as("a shape the text cannot fill allocates nothing")
                .isNull();
    }

    @Test
    void theParserContinuesAfterTheDecodedArrayWithItsLinesCounted() throws IOException {
        String json = "{\"data\":[1.5,\n2.5,\r\n3.5],\n \"next\": [true] x}";
        String tokenError = null;
        String byteError = null;
        for (JsonFactory factory : List.of(TOKENS, BYTES)) {
            try (JsonParser parser = factory.createParser(json.getBytes(StandardCharsets.UTF_8))) {
                parser.nextToken();
                parser.nextToken();
                parser.nextToken();
                ByteBuffer data = DecimalArrayDecoder.readShaped(parser, Datatype.FP32, new long[] {3}, "data");
                assertThat(data.getFloat(8)).isEqualTo(3.5f);
                assertThat(parser.currentToken()).isEqualTo(JsonToken.END_ARRAY);
                assertThat(parser.nextToken()).isEqualTo(JsonToken.FIELD_NAME);
                assertThat(parser.currentName()).isEqualTo("next");
                assertThat(parser.nextToken()).isEqualTo(JsonToken.START_ARRAY);
                assertThat(parser.nextToken()).isEqualTo(JsonToken.VALUE_TRUE);
                assertThat(parser.nextToken()).isEqualTo(JsonToken.END_ARRAY);
                parser.nextToken();
            } catch (IOException e) {
                if (factory == TOKENS) {
                    tokenError = e.getMessage();
                } else {
                    byteError = e.getMessage();
                }
            }
        }
        assertThat(tokenError).contains("line: 4, column: 17");
        assertThat(byteError).isEqualTo(tokenError);
    }

    @Test
    void readingUsesTheBytesOnlyForInMemoryParsersAndFloatingPointTypes() throws IOException {
        assertThat(new InMemoryJsonFactory(TOKENS).createParser("[1]".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(InMemoryJsonParser.class);
        assertThat(new InMemoryJsonFactory(TOKENS).createParser("[1]")).isNotInstanceOf(InMemoryJsonParser.class);
        try (JsonParser parser = BYTES.createParser("[7,8]".getBytes(StandardCharsets.UTF_8))) {
            parser.nextToken();
            assertThat(DecimalArrayDecoder.readShaped(parser, Datatype.INT64, new long[] {2}, "data").getLong(8))
                    .isEqualTo(8);
        }
        assertThatThrownBy(() -> {
            try (JsonParser parser = BYTES.createParser("[256]".getBytes(StandardCharsets.UTF_8))) {
                parser.nextToken();
                DecimalArrayDecoder.readShaped(parser, Datatype.UINT8, new long[] {1}, "data");
            }
        }).isInstanceOf(InferenceException.class).hasMessage("data[0]: 256 is out of range for UINT8");
    }

    @Test
    void parsersHonourTheFactorysFeatures() throws IOException {
        JsonFactory lenient = JsonFactory.builder().enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();
        try (JsonParser parser = new InMemoryJsonFactory(lenient).createParser("[NaN]".getBytes(
                StandardCharsets.UTF_8))) {
            parser.nextToken();
            assertThat(DecimalArrayDecoder.readShaped(parser, Datatype.FP32, new long[] {1}, "data").getFloat(0))
                    .isNaN();
        }
    }

    private static DecimalArrayDecoder.DecodedArray decode(String json, Datatype datatype, long... shape) {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        return DecimalArrayDecoder.decode(bytes, 0, bytes.length, datatype, shape);
    }

    private static ByteBuffer tokens(String json, Datatype datatype, long[] shape) throws IOException {
        try (JsonParser parser = TOKENS.createParser(json)) {
            parser.nextToken();
            return JsonTensorReader.readShaped(parser, datatype, shape, "data");
        }
    }

    private static String errorOf(JsonFactory factory, String json, Datatype datatype, long... shape) {
        try (JsonParser parser = factory.createParser(json.getBytes(StandardCharsets.UTF_8))) {
            parser.nextToken();
            DecimalArrayDecoder.readShaped(parser, datatype, shape, "data");
            return null;
        } catch (IOException | InferenceException e) {
            return e.getClass().getSimpleName() + ": " + e.getMessage();
        }
    }
}
