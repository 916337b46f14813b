package dev.quiver.loadtests;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The reference: ONNX Runtime Java called in-process on the same model, one image per run, no HTTP, no JSON. This is
 * the physical limit a server on the same machine and thread budget competes against. Runs of several images say what
 * merging requests into one run saves per image.
 */
public final class InProcessBaseline implements AutoCloseable {

    private final OrtEnvironment environment = OrtEnvironment.getEnvironment();
    private final OrtSession session;
    private final String input;
    private final long[] shape;
    private final float[] image;

    /**
     * @param intraOpThreads ONNX Runtime threads inside one run
     */
    public InProcessBaseline(Path model, int intraOpThreads, long[] shape, float[] image) throws OrtException {
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            options.setIntraOpNumThreads(intraOpThreads);
            options.setInterOpNumThreads(1);
            options.addConfigEntry("session.intra_op.allow_spinning", "0");
            this.session = environment.createSession(model.toString(), options);
        }
        this.input = session.getInputNames().iterator().next();
        this.shape = shape;
        this.image = image;
    }

    /**
     * Runs of {@code images} copies of the image each, back to back on {@code threads} threads sharing the session, for
     * {@code duration}; the figures count images, the latencies runs.
     */
    public LatencyStats run(int threads, int images, Duration warmUp, Duration duration)
            throws InterruptedException {
        float[] batch = new float[image.length * images];
        for (int i = 0; i < images; i++) {
            System.arraycopy(image, 0, batch, i * image.length, image.length);
        }
        long[] batchShape = shape.clone();
        batchShape[0] = images;
        loop(threads, batch, batchShape, warmUp);
        return loop(threads, batch, batchShape, duration);
    }

    private LatencyStats loop(int threads, float[] batch, long[] batchShape, Duration duration)
            throws InterruptedException {
        long[] latencies = new long[4_000_000];
        AtomicLong next = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        long end = System.nanoTime() + duration.toNanos();
        List<Thread> workers = new ArrayList<>();
        long start = System.nanoTime();
        for (int t = 0; t < threads; t++) {
            workers.add(Thread.ofPlatform().start(() -> {
                while (System.nanoTime() < end) {
                    long begin = System.nanoTime();
                    try (OnnxTensor tensor = OnnxTensor.createTensor(environment, FloatBuffer.wrap(batch), batchShape);
                         OrtSession.Result result = session.run(Map.of(input, tensor))) {
                        result.get(0).getValue();
                    } catch (OrtException e) {
                        errors.incrementAndGet();
                        continue;
                    }
                    long slot = next.getAndIncrement();
                    if (slot < latencies.length) {
                        latencies[(int) slot] = System.nanoTime() - begin;
                    }
                }
            }));
        }
        for (Thread worker : workers) {
            worker.join();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        int count = (int) Math.min(next.get(), latencies.length);
        return LatencyStats.of(latencies, count, next.get() * batchShape[0], errors.get(), seconds);
    }

    @Override
    public void close() throws OrtException {
        session.close();
    }
}
