package dev.quiver.events.inference;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * A tensor in the JSON form of the Open Inference Protocol v2: {@code data} holds the elements row-major, either flat
 * or nested to the tensor's shape.
 *
 * @param name     input or output name
 * @param datatype one of BOOL, UINT8, INT8, INT16, INT32, INT64, FP32, FP64
 * @param shape    dimensions; their product is the number of elements in {@code data}
 * @param data     a JSON array of numbers (booleans for BOOL)
 */
public record TensorPayload(String name, String datatype, List<Long> shape, JsonNode data) {
}
