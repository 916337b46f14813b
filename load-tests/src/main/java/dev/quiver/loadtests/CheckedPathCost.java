package dev.quiver.loadtests;

import com.sun.management.OperatingSystemMXBean;
import dev.quiver.inference.deadline.DeadlineTimer;
import dev.quiver.inference.runtime.TensorSpec;
import dev.quiver.inference.tensor.Datatype;
import dev.quiver.inference.tensor.Tensor;
import dev.quiver.inference.validation.OutputChecks;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * What the checked path adds to one request, measured in process as CPU time of the whole process (every thread,
 * the deadline wheel's included) per request: the request's stages with a deadline set on the inference function's
 * own {@link DeadlineTimer} and cancelled when the answer comes, and its answer passed through the version's
 * {@link OutputChecks}, against the same stages without either. CPU time, not wall time, so that other tenants of a
 * shared machine move it little; the HTTP rounds give what a whole request costs the server, which this is read
 * against.
 */
final class CheckedPathCost {

    /** A deadline far enough away never to fire, as nearly every real one is cancelled first. */
    private static final long DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(30);

    private final OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private final DeadlineTimer timer = new DeadlineTimer();
    private final int threads;
    private final int requestsPerThread;
    private volatile Object sink;

    CheckedPathCost(int threads, int requestsPerThread) {
        this.threads = threads;
        this.requestsPerThread = requestsPerThread;
    }

    /** One answer of {@code elements} FP32 values, as a model of that output would give, and its checks. */
    record Answer(OutputChecks checks, Map<String, Tensor> outputs) {

        static Answer ofFloats(String output, int elements) {
            ByteBuffer data = Tensor.allocate(Datatype.FP32, elements);
            for (int i = 0; i < elements; i++) {
                data.putFloat(i * 4, 1f / elements);
            }
            long[] shape = {1, elements};
            return new Answer(OutputChecks.of(List.of(new TensorSpec(output, output, Datatype.FP32, shape)), Map.of()),
                    Map.of(output, new Tensor(output, Datatype.FP32, shape, data)));
        }
    }

    /** @return nanoseconds of process CPU per request, with the checked path on or off */
    double nanosPerRequest(Answer answer, boolean checked) throws InterruptedException {
        long before = os.getProcessCpuTime();
        Thread[] workers = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            workers[t] = Thread.ofPlatform().start(() -> {
                for (int i = 0; i < requestsPerThread; i++) {
                    sink = serve(answer, checked).toCompletableFuture().join();
                }
            });
        }
        for (Thread worker : workers) {
            worker.join();
        }
        return (os.getProcessCpuTime() - before) / ((double) threads * requestsPerThread);
    }

    /** The request's stages as the inference service chains them, its work answered right after it is chained. */
    private CompletionStage<Object> serve(Answer answer, boolean checked) {
        CompletableFuture<Map<String, Tensor>> work = new CompletableFuture<>();
        CompletionStage<Map<String, Tensor>> answered = checked
                ? timer.within(work, System.nanoTime() + DEADLINE_NANOS, () -> new IllegalStateException("late"))
                : work;
        CompletionStage<Object> done = answered.handle((outputs, failure) ->
                checked ? answer.checks().violation(outputs) == null : outputs);
        work.complete(answer.outputs());
        return done;
    }
}
