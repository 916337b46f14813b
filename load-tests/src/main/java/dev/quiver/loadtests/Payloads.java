package dev.quiver.loadtests;

import dev.quiver.training.DigitImage;
import dev.quiver.training.DigitsDataset;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/** Request bodies, encoded once before a run. */
public final class Payloads {

    /** The text-direction classifier's input: one RGB image of 48x192, normalized like PaddleOCR does. */
    public static final long[] OCR_SHAPE = {1, 3, 48, 192};

    private Payloads() {
    }

    /** A deterministic image: 8-bit pixels scaled to [-1, 1] as (p / 255 - 0.5) / 0.5. */
    public static float[] ocrImage() {
        Random random = new Random(42);
        float[] image = new float[3 * 48 * 192];
        for (int i = 0; i < image.length; i++) {
            int pixel = random.nextInt(256);
            image[i] = (pixel / 255f - 0.5f) / 0.5f;
        }
        return image;
    }

    public static Buffer ocrJson(String input, float[] image) {
        String data = IntStream.range(0, image.length).mapToObj(i -> Float.toString(image[i]))
                .collect(Collectors.joining(","));
        return Buffer.buffer("{\"inputs\":[{\"name\":\"" + input + "\",\"shape\":[1,3,48,192],\"datatype\":\"FP32\","
                + "\"data\":[" + data + "]}]}");
    }

    /** The binary tensor data extension: a JSON header naming the byte count, then the raw little-endian floats. */
    public static BinaryBody ocrBinary(String input, float[] image) {
        byte[] header = ("{\"inputs\":[{\"name\":\"" + input + "\",\"shape\":[1,3,48,192],\"datatype\":\"FP32\","
                + "\"parameters\":{\"binary_data_size\":" + image.length * 4 + "}}]}")
                .getBytes(StandardCharsets.UTF_8);
        ByteBuffer bytes = ByteBuffer.allocate(header.length + image.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        bytes.put(header);
        for (float v : image) {
            bytes.putFloat(v);
        }
        return new BinaryBody(Buffer.buffer(bytes.array()), header.length);
    }

    public static String digitsPixels(int row) {
        DigitImage image = DigitsDataset.bundled().images().get(row);
        return IntStream.range(0, 64).mapToObj(i -> Integer.toString((int) image.pixels()[i]))
                .collect(Collectors.joining(",", "[", "]"));
    }

    public static Buffer digitsV2(int row) {
        return Buffer.buffer("{\"inputs\":[{\"name\":\"input\",\"shape\":[1,64],\"datatype\":\"FP32\",\"data\":"
                + digitsPixels(row) + "}]}");
    }

    public static Buffer digitsPredict(int row) {
        return Buffer.buffer("{\"model\":\"digits\",\"instances\":[" + digitsPixels(row) + "]}");
    }

    public static MultiMap json() {
        return MultiMap.caseInsensitiveMultiMap().add("Content-Type", "application/json");
    }

    public record BinaryBody(Buffer body, int headerLength) {
        public MultiMap headers() {
            return MultiMap.caseInsensitiveMultiMap().add("Content-Type", "application/octet-stream")
                    .add("Inference-Header-Content-Length", Integer.toString(headerLength));
        }
    }
}
