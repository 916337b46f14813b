package dev.quiver.inference.tensor;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.TensorInfo.OnnxTensorType;
import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/** The tensor element types Quiver serves, by their Open Inference Protocol names. */
public enum Datatype {
    BOOL(1, OnnxJavaType.BOOL, OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_BOOL, 0, 1),
    UINT8(1, OnnxJavaType.UINT8, OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8, 0, 255),
    INT8(1, OnnxJavaType.INT8, OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_INT8, Byte.MIN_VALUE, Byte.MAX_VALUE),
    INT16(2, OnnxJavaType.INT16, OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_INT16, Short.MIN_VALUE, Short.MAX_VALUE),
    INT32(4, OnnxJavaType.INT32, OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32, Integer.MIN_VALUE,
            Integer.MAX_VALUE),
    INT64(8, OnnxJavaType.INT64, OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64, Long.MIN_VALUE, Long.MAX_VALUE),
    FP32(4, OnnxJavaType.FLOAT, OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT, 0, 0),
    FP64(8, OnnxJavaType.DOUBLE, OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_DOUBLE, 0, 0);

    /** The names listed in error messages, in declaration order. */
    public static final String SUPPORTED = Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", "));

    private final int byteSize;
    private final OnnxJavaType javaType;
    private final OnnxTensorType onnxType;
    private final long min;
    private final long max;

    Datatype(int byteSize, OnnxJavaType javaType, OnnxTensorType onnxType, long min, long max) {
        this.byteSize = byteSize;
        this.javaType = javaType;
        this.onnxType = onnxType;
        this.min = min;
        this.max = max;
    }

    public int byteSize() {
        return byteSize;
    }

    /** The bytes of {@code elements} elements of this type; ArithmeticException when that is more than a long holds. */
    public long byteCount(long elements) {
        return Math.multiplyExact(elements, (long) byteSize);
    }

    public OnnxJavaType javaType() {
        return javaType;
    }

    /** Whether an integer value fits this (integer or boolean) type. */
    public boolean holds(long value) {
        return value >= min && value <= max;
    }

    public static Optional<Datatype> fromProtocol(String name) {
        for (Datatype datatype : values()) {
            if (datatype.name().equals(name)) {
                return Optional.of(datatype);
            }
        }
        return Optional.empty();
    }

    public static Optional<Datatype> fromOnnx(OnnxTensorType type) {
        for (Datatype datatype : values()) {
            if (datatype.onnxType == type) {
                return Optional.of(datatype);
            }
        }
        return Optional.empty();
    }
}
