package dev.quiver.inference.validation;

import dev.quiver.inference.batching.BatchRunner;
import dev.quiver.inference.runtime.ModelSignature;
import dev.quiver.inference.runtime.TensorSpec;
import dev.quiver.inference.tensor.Datatype;
import dev.quiver.inference.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Decides whether a loaded version may serve, before it is swapped in. Every version is warmed up on zeros at batch
 * size 1 and at its maximum batch size, and refused when those runs answer NaN or infinity; a version with a
 * {@code validation/validation.json} must also answer its golden inputs within tolerance, keep its output ranges, not
 * answer every golden input alike where it says so, and run and fit within its latency and memory limits.
 */
public final class ValidityGate {

    /** Timed runs per batch size; the median is kept, so one slow run (a collection, a page fault) does not count. */
    static final int TIMED_RUNS = 5;

    private final ModelSignature signature;
    private final ValidationSpec spec;
    private final BatchRunner runner;
    private final Set<String> allOutputs = new LinkedHashSet<>();
    private final List<GateReport.Check> checks = new ArrayList<>();

    public ValidityGate(ModelSignature signature, ValidationSpec spec, BatchRunner runner) {
        this.signature = signature;
        this.spec = spec;
        this.runner = runner;
        signature.outputs().forEach(output -> allOutputs.add(output.onnxName()));
    }

    /**
     * @param maxBatchSize the batch size runs merge up to; below 2 the version runs one item at a time
     * @param memoryMb     measures the resident memory the version added so far (null when it cannot be told)
     */
    public GateReport run(int maxBatchSize, Supplier<Double> memoryMb) throws Exception {
        Double batch1 = warmUpAndTime(1);
        Double maxBatch = maxBatchSize > 1 ? warmUpAndTime(maxBatchSize) : null;
        golden();
        ValidationSpec.LatencyLimit limit = spec.maxLatencyMs();
        if (limit != null && limit.batch1() != null) {
            limit("max_latency_ms.batch_1", batch1, limit.batch1(), "ms at batch size 1");
        }
        if (limit != null && limit.maxBatch() != null && maxBatch != null) {
            limit("max_latency_ms.max_batch", maxBatch, limit.maxBatch(), "ms at batch size " + maxBatchSize);
        }
        Double memory = memoryMb.get();
        if (spec.maxMemoryMb() != null) {
            if (memory == null) {
                checks.add(new GateReport.Check("max_memory_mb", true, "resident memory cannot be read here; "
                        + "not checked"));
            } else {
                limit("max_memory_mb", memory, spec.maxMemoryMb(), "MB of resident memory added");
            }
        }
        boolean passed = checks.stream().allMatch(GateReport.Check::passed);
        return new GateReport(passed, checks, batch1, maxBatch, memory);
    }

    /**
     * Runs the golden inputs alone and checks their answers as the gate does: what a serving version's scheduled
     * golden-set run is.
     */
    public GateReport goldenSet() throws Exception {
        golden();
        return new GateReport(checks.stream().allMatch(GateReport.Check::passed), checks, null, null, null);
    }

    private void limit(String name, double measured, double limit, String unit) {
        boolean within = measured <= limit;
        checks.add(new GateReport.Check(name, within, String.format("%s: %.3f %s, limit %s", name, measured, unit,
                limit)));
    }

    /** Runs zeros at {@code batchSize}, checks the answer is finite, and returns the median of the timed runs. */
    private Double warmUpAndTime(int batchSize) throws Exception {
        Map<String, Tensor> zeros = zeros(batchSize);
        Map<String, Tensor> outputs = runner.run(zeros, allOutputs);
        String violation = OutputChecks.of(signature.outputs(), Map.of()).violation(outputs);
        String name = "warm-up batch " + batchSize;
        checks.add(new GateReport.Check(name, violation == null, violation == null ? null
                : name + " on zeros: " + violation));
        long[] nanos = new long[TIMED_RUNS];
        for (int i = 0; i < TIMED_RUNS; i++) {
            long started = System.nanoTime();
            runner.run(zeros, allOutputs);
            nanos[i] = System.nanoTime() - started;
        }
        Arrays.sort(nanos);
        return nanos[TIMED_RUNS / 2] / 1e6;
    }

    private void golden() throws Exception {
        OutputChecks ranges = OutputChecks.of(signature.outputs(), spec.outputs());
        List<Map<String, Tensor>> answers = new ArrayList<>();
        for (int i = 0; i < spec.golden().size(); i++) {
            String name = "golden[" + i + "]";
            ValidationSpec.GoldenCase golden = spec.golden().get(i);
            Map<String, Tensor> outputs = runner.run(inputs(name, golden), allOutputs);
            answers.add(outputs);
            List<String> problems = new ArrayList<>();
            String violation = ranges.violation(outputs);
            if (violation != null) {
                problems.add(violation);
            }
            golden.outputs().forEach((output, expected) -> compare(name, output, expected, outputs, problems));
            checks.add(new GateReport.Check(name, problems.isEmpty(), problems.isEmpty() ? null
                    : name + ": " + String.join(", ", problems)));
        }
        spec.outputs().forEach((output, range) -> {
            if (Boolean.TRUE.equals(range.notConstant())) {
                notConstant(output, answers);
            }
        });
    }

    private Map<String, Tensor> inputs(String name, ValidationSpec.GoldenCase golden)
            throws InvalidValidationException {
        Map<String, Tensor> inputs = new HashMap<>();
        for (TensorSpec input : signature.inputs()) {
            ValidationSpec.GoldenTensor given = golden.inputs().get(input.name());
            if (given == null || given.shape() == null || given.data() == null) {
                throw new InvalidValidationException(name + ".inputs: needs input \"" + input.name()
                        + "\" with shape and data; the model's inputs are " + signature.inputNames());
            }
            if (!input.accepts(given.shape()) || Tensor.elementCount(given.shape()) != given.data().length) {
                throw new InvalidValidationException(name + ".inputs." + input.name() + ": input has shape "
                        + Arrays.toString(input.shape()) + " (-1: any size), got shape "
                        + Arrays.toString(given.shape()) + " with " + given.data().length + " values");
            }
            inputs.put(input.onnxName(), tensor(input.onnxName(), input.datatype(), given.shape(), given.data()));
        }
        Set<String> unknown = new LinkedHashSet<>(golden.inputs().keySet());
        unknown.removeAll(signature.inputNames());
        if (!unknown.isEmpty()) {
            throw new InvalidValidationException(name + ".inputs: " + unknown + " not inputs of the model, whose "
                    + "inputs are " + signature.inputNames());
        }
        return inputs;
    }

    private void compare(String name, String output, ValidationSpec.ExpectedOutput expected,
                         Map<String, Tensor> outputs, List<String> problems) {
        TensorSpec spec = signature.output(output).orElse(null);
        if (spec == null || expected.data() == null) {
            problems.add("output " + output + ": not an output of the model, or no data; the outputs are "
                    + signature.outputNames());
            return;
        }
        Tensor actual = outputs.get(spec.onnxName());
        if (actual.elementCount() != expected.data().length) {
            problems.add("output " + output + " has " + actual.elementCount() + " values, expected "
                    + expected.data().length);
            return;
        }
        for (int i = 0; i < expected.data().length; i++) {
            double value = OutputChecks.element(actual, i);
            if (!(Math.abs(value - expected.data()[i]) <= expected.toleranceOrDefault())) {
                problems.add("output " + output + " element " + i + " is " + value + ", expected "
                        + expected.data()[i] + " within " + expected.toleranceOrDefault());
                return;
            }
        }
    }

    private void notConstant(String output, List<Map<String, Tensor>> answers) {
        String name = "outputs." + output + ".not_constant";
        String onnxName = signature.output(output).map(TensorSpec::onnxName).orElse(output);
        if (answers.size() < 2) {
            checks.add(new GateReport.Check(name, false, name + ": needs at least two golden inputs, got "
                    + answers.size()));
            return;
        }
        Tensor first = answers.getFirst().get(onnxName);
        boolean varies = answers.stream().skip(1).map(a -> a.get(onnxName))
                .anyMatch(other -> first == null || other == null || !first.data().equals(other.data()));
        checks.add(new GateReport.Check(name, varies, varies ? null
                : name + ": every golden input gives the same " + output));
    }

    private Map<String, Tensor> zeros(int batchSize) {
        Map<String, Tensor> inputs = new HashMap<>();
        for (TensorSpec spec : signature.inputs()) {
            long[] shape = spec.shape();
            for (int i = 0; i < shape.length; i++) {
                if (shape[i] < 0) {
                    shape[i] = i == 0 ? batchSize : 1;
                }
            }
            ByteBuffer zeros = ByteBuffer.allocateDirect(Math.toIntExact(spec.datatype().byteCount(
                    Tensor.elementCount(shape)))).order(ByteOrder.LITTLE_ENDIAN);
            inputs.put(spec.onnxName(), new Tensor(spec.onnxName(), spec.datatype(), shape, zeros));
        }
        return inputs;
    }

    private static Tensor tensor(String name, Datatype datatype, long[] shape, double[] data) {
        ByteBuffer buffer = ByteBuffer.allocateDirect(Math.toIntExact(datatype.byteCount(data.length)))
                .order(ByteOrder.LITTLE_ENDIAN);
        for (double value : data) {
            switch (datatype) {
                case FP32 -> buffer.putFloat((float) value);
                case FP64 -> buffer.putDouble(value);
                case INT64 -> buffer.putLong((long) value);
                case INT32 -> buffer.putInt((int) value);
                case INT16 -> buffer.putShort((short) value);
                case INT8, UINT8 -> buffer.put((byte) value);
                case BOOL -> buffer.put(value != 0 ? (byte) 1 : 0);
            }
        }
        buffer.flip();
        return new Tensor(name, datatype, shape, buffer);
    }
}
