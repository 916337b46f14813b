package dev.quiver.inference.batching;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ai.onnxruntime.OrtEnvironment;
import dev.quiver.inference.InferenceException;
import dev.quiver.inference.deadline.DeadlineTimer;
import dev.quiver.inference.fixtures.Digits;
import dev.quiver.inference.fixtures.ModelRepositoryFixture;
import dev.quiver.inference.fixtures.OnnxModels;
import dev.quiver.inference.modelconfig.BatchingDefaults;
import dev.quiver.inference.modelconfig.FailsafeDefaults;
import dev.quiver.inference.modelconfig.ModelConfig;
import dev.quiver.inference.modelconfig.ModelConfigDefaults;
import dev.quiver.inference.modelconfig.ModelConfigSpec;
import dev.quiver.inference.modelconfig.MonitoringSpec;
import dev.quiver.inference.runtime.LoadedModel;
import dev.quiver.inference.runtime.ModelLoader;
import dev.quiver.inference.tensor.Datatype;
import dev.quiver.inference.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The batcher on real ONNX Runtime sessions: what it merges, when it flushes, and that answers come back exact. */
class DynamicBatcherTest {

    /** Loop iterations that take minutes: a run of them that ends within seconds was stopped. */
    private static final float ENDLESS = 5e9f;

    private static ModelRepositoryFixture repository;
    private static final ModelLoader LOADER = new ModelLoader(OrtEnvironment.getEnvironment(), new DeadlineTimer());
    private final ConcurrentLinkedQueue<Batch> batches = new ConcurrentLinkedQueue<>();
    private final List<LoadedModel> loaded = new ArrayList<>();

    private final ConcurrentLinkedQueue<String> runThreads = new ConcurrentLinkedQueue<>();

    record Batch(int items, int requests, FlushReason reason) {
    }

    @BeforeAll
    static void models() {
        repository = ModelRepositoryFixture.temporary("quiver-batching")
                .withDigits("digits", 1)
                .withModel("add", 1, OnnxModels.addConstant(0.5f))
                .withModel("variable_length", 1, OnnxModels.variableLength())
                .withModel("lookup", 1, OnnxModels.lookup())
                .withModel("endless", 1, OnnxModels.loopsAsLongAsItsLargestInput());
    }

    @AfterAll
    static void cleanUp() {
        ModelRepositoryFixture.delete(repository.root());
    }

    @org.junit.jupiter.api.AfterEach
    void retire() {
        loaded.forEach(LoadedModel::retire);
    }

    @Test
    void concurrentBatchedResultsEqualOneByOneResults() throws Exception {
        LoadedModel single = load("digits", 0, Duration.ZERO);
        LoadedModel batched = load("digits", 32, Duration.ofMillis(20));
        Random random = new Random(7);
        List<Tensor> requests = new ArrayList<>();
        for (int i = 0; i < 150; i++) {
            int rows = 1 + random.nextInt(3);
            float[][] pixels = new float[rows][];
            for (int r = 0; r < rows; r++) {
                pixels[r] = floats(Digits.image(random.nextInt(1797)).pixels());
            }
            requests.add(fp32("input", pixels));
        }
        List<Tensor> expected = new ArrayList<>();
        for (Tensor request : requests) {
            expected.add(run(single, request).outputs().get("output"));
        }

        ExecutorService clients = Executors.newFixedThreadPool(16);
        List<CompletableFuture<InferenceResult>> answers = new ArrayList<>();
        for (Tensor request : requests) {
            answers.add(CompletableFuture.supplyAsync(() -> run(batched, request), clients));
        }
        for (int i = 0; i < requests.size(); i++) {
            Tensor actual = answers.get(i).get(30, TimeUnit.SECONDS).outputs().get("output");
            assertThat(actual.shape()).isEqualTo(expected.get(i).shape());
            float[] got = values(actual);
            float[] want = values(expected.get(i));
            for (int k = 0; k < want.length; k++) {
                assertThat(got[k]).as("request %d element %d", i, k).isCloseTo(want[k],
                        org.assertj.core.data.Offset.offset(1e-6f));
            }
        }
        clients.shutdown();
        assertThat(batches).as("some runs merged several requests").anyMatch(b -> b.requests() > 1);
        assertThat(batches.stream().mapToInt(Batch::items).sum()).isEqualTo(
                requests.stream().mapToLong(Tensor::batchSize).sum() * 2);
    }

    @Test
    void aRunIsStoppedOnceEveryRequestInItIsPastItsDeadline() throws Exception {
        // the run waits up to its queue delay for the second request it expects, long enough for a busy machine to
        // send it, and takes both well before the earlier deadline, so neither is dropped from the queue unrun
        LoadedModel model = load("endless", 4, Duration.ofMillis(500), 1, Duration.ofSeconds(1));
        long started = System.nanoTime();
        // two requests merged into one run: it is stopped at the later deadline, not at the earlier
        DynamicBatcher.Arrival first = model.batcher().expect();
        DynamicBatcher.Arrival second = model.batcher().expect();
        CompletableFuture<InferenceResult> early = first.submit(endless(1), false,
                started + Duration.ofSeconds(1).toNanos());
        CompletableFuture<Long> earlyEnded = early.handle((result, failure) -> System.nanoTime());
        CompletableFuture<InferenceResult> late = second.submit(endless(2), false,
                started + Duration.ofSeconds(2).toNanos());
        for (CompletableFuture<InferenceResult> answer : List.of(early, late)) {
            assertThatThrownBy(() -> answer.get(20, TimeUnit.SECONDS)).cause().isInstanceOf(InferenceException.class)
                    .hasMessage("model endless/1 did not answer within its requests' deadline: the run was stopped");
        }
        assertThat(Duration.ofNanos(earlyEnded.join() - started)).as("stopped at the later deadline, soon after")
                .isBetween(Duration.ofSeconds(2), Duration.ofSeconds(7));

        // the model's one instance is free again, and a caller running the model on its own thread is stopped too
        long again = System.nanoTime();
        CompletableFuture<InferenceResult> inline = model.batcher().expect().submit(endless(3), true,
                again + Duration.ofMillis(100).toNanos());
        assertThat(inline).isCompletedExceptionally();
        assertThat(Duration.ofNanos(System.nanoTime() - again)).isBetween(Duration.ofMillis(100),
                Duration.ofSeconds(5));
    }

    /** A request of one row whose run would loop for minutes. */
    private static InferenceJob endless(float first) {
        return job(fp32("x", new float[][] {{first, 0, 0, ENDLESS}}), Set.of("y"));
    }

    @Test
    void mergedRunsSplitBackExactlyPerRequest() throws Exception {
        LoadedModel model = load("add", 64, Duration.ofSeconds(5));
        List<DynamicBatcher.Arrival> arrivals = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            arrivals.add(model.batcher().expect());
        }
        List<CompletableFuture<InferenceResult>> answers = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            float[][] rows = new float[i % 3 + 1][4];
            for (int r = 0; r < rows.length; r++) {
                for (int c = 0; c < 4; c++) {
                    rows[r][c] = i * 100 + r * 10 + c;
                }
            }
            answers.add(arrivals.get(i).submit(job(fp32("x", rows), Set.of("y"))));
        }
        for (int i = 0; i < 10; i++) {
            Tensor y = answers.get(i).get(10, TimeUnit.SECONDS).outputs().get("y");
            assertThat(y.shape()).containsExactly(i % 3 + 1, 4);
            float[] values = values(y);
            for (int r = 0; r < i % 3 + 1; r++) {
                for (int c = 0; c < 4; c++) {
                    assertThat(values[r * 4 + c]).isEqualTo(i * 100 + r * 10 + c + 0.5f);
                }
            }
        }
        assertThat(batches).containsExactly(new Batch(19, 10, FlushReason.IDLE));
    }

    @Test
    void aLoneRequestDoesNotWaitForTheQueueDelay() throws Exception {
        LoadedModel model = load("add", 32, Duration.ofSeconds(30));
        InferenceResult result = run(model, fp32("x", new float[][] {{1, 2, 3, 4}}));
        assertThat(values(result.outputs().get("y"))).containsExactly(1.5f, 2.5f, 3.5f, 4.5f);
        assertThat(batches).containsExactly(new Batch(1, 1, FlushReason.IDLE));
    }

    @Test
    void aCallerThatMayBlockRunsAnIdleModelItself() throws Exception {
        LoadedModel model = load("add", 32, Duration.ofSeconds(30));
        InferenceResult result = model.batcher().expect()
                .submit(job(fp32("x", new float[][] {{1, 1, 1, 1}}), Set.of("y")), true).get(10, TimeUnit.SECONDS);
        assertThat(values(result.outputs().get("y"))).containsExactly(1.5f, 1.5f, 1.5f, 1.5f);
        assertThat(runThreads).containsExactly(Thread.currentThread().getName());
    }

    @Test
    void anEventLoopCallerRunsAnIdleModelItselfOnlyOnceItsRunsAreKnownToBeShort() throws Exception {
        LoadedModel quick = load("add", 32, Duration.ofSeconds(30), 1, Duration.ofSeconds(1));
        Tensor input = fp32("x", new float[][] {{1, 1, 1, 1}});
        for (int i = 0; i < 3; i++) {
            quick.batcher().expect().submit(job(input, Set.of("y")), false).get(10, TimeUnit.SECONDS);
        }
        assertThat(runThreads).hasSize(3);
        assertThat(runThreads.poll()).as("the first run, whose duration is not known yet")
                .startsWith("quiver-batcher-add");
        assertThat(runThreads).containsOnly(Thread.currentThread().getName());

        runThreads.clear();
        LoadedModel never = load("add", 32, Duration.ofSeconds(30), 1, Duration.ZERO);
        for (int i = 0; i < 3; i++) {
            never.batcher().expect().submit(job(input, Set.of("y")), false).get(10, TimeUnit.SECONDS);
        }
        assertThat(runThreads).hasSize(3).allSatisfy(thread -> assertThat(thread).startsWith("quiver-batcher-add"));
    }

    @Test
    void aCallerThatMayBlockStillQueuesWhenOthersAreArriving() throws Exception {
        LoadedModel model = load("add", 32, Duration.ofSeconds(30));
        DynamicBatcher.Arrival other = model.batcher().expect();
        CompletableFuture<InferenceResult> mine = model.batcher().expect()
                .submit(job(fp32("x", new float[][] {{1, 1, 1, 1}}), Set.of("y")), true);
        CompletableFuture<InferenceResult> theirs = other.submit(job(fp32("x", new float[][] {{2, 2, 2, 2}}),
                Set.of("y")), true);
        assertThat(values(mine.get(10, TimeUnit.SECONDS).outputs().get("y"))).containsExactly(1.5f, 1.5f, 1.5f, 1.5f);
        assertThat(values(theirs.get(10, TimeUnit.SECONDS).outputs().get("y"))).containsExactly(2.5f, 2.5f, 2.5f, 2.5f);
        assertThat(batches).containsExactly(new Batch(2, 2, FlushReason.IDLE));
        assertThat(runThreads).singleElement().asString().startsWith("quiver-batcher-add");
    }

    @Test
    void blockingAndEventLoopCallersMixedUnderLoadAreAllAnswered() throws Exception {
        for (int instances : new int[] {1, 2}) {
            LoadedModel model = load("add", 8, Duration.ofMillis(1), instances);
            ExecutorService callers = Executors.newFixedThreadPool(16);
            List<CompletableFuture<Float>> answers = new ArrayList<>();
            for (int i = 0; i < 2_000; i++) {
                float value = i;
                boolean mayBlock = i % 2 == 0;
                answers.add(CompletableFuture.supplyAsync(() -> {
                    DynamicBatcher.Arrival arrival = model.batcher().expect();
                    if (value % 7 == 0) {
                        model.batcher().expect().abandon();
                    }
                    try {
                        InferenceResult result = arrival.submit(job(fp32("x", new float[][] {{value, 0, 0, 0}}),
                                Set.of("y")), mayBlock).get(30, TimeUnit.SECONDS);
                        return values(result.outputs().get("y"))[0];
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }, callers));
            }
            for (int i = 0; i < answers.size(); i++) {
                assertThat(answers.get(i).get(60, TimeUnit.SECONDS)).isEqualTo(i + 0.5f);
            }
            callers.shutdown();
        }
    }

    @Test
    void anAnnouncedRequestThatNeverComesHoldsTheBatchOnlyForTheDelay() throws Exception {
        LoadedModel model = load("add", 32, Duration.ofMillis(200));
        DynamicBatcher.Arrival late = model.batcher().expect();
        long start = System.nanoTime();
        InferenceResult result = run(model, fp32("x", new float[][] {{0, 0, 0, 0}}));
        long waited = System.nanoTime() - start;
        assertThat(result.queueNanos()).isGreaterThanOrEqualTo(Duration.ofMillis(150).toNanos());
        assertThat(waited).isLessThan(Duration.ofSeconds(10).toNanos());
        assertThat(batches).containsExactly(new Batch(1, 1, FlushReason.DELAY));
        late.abandon();
    }

    @Test
    void aBatchDoesNotWaitForCompanyWhileAnotherInstanceIsFree() throws Exception {
        LoadedModel model = load("add", 32, Duration.ofSeconds(30), 2);
        DynamicBatcher.Arrival late = model.batcher().expect();
        InferenceResult result = run(model, fp32("x", new float[][] {{1, 2, 3, 4}}));
        assertThat(values(result.outputs().get("y"))).containsExactly(1.5f, 2.5f, 3.5f, 4.5f);
        assertThat(batches).containsExactly(new Batch(1, 1, FlushReason.INSTANCE_FREE));
        late.abandon();
    }

    @Test
    void aBatchWaitsForCompanyWhileEveryOtherInstanceRuns() throws Exception {
        LoadedModel model = load("endless", 4, Duration.ofSeconds(30), 2);
        CompletableFuture<InferenceResult> busy = model.batcher().expect().submit(endless(1), false,
                System.nanoTime() + Duration.ofSeconds(3).toNanos());
        // one instance now runs for seconds, until the deadline stops it
        await().atMost(Duration.ofSeconds(10)).until(() -> model.batcher().queued() == 0);
        DynamicBatcher.Arrival late = model.batcher().expect();
        CompletableFuture<InferenceResult> mine = model.batcher().expect()
                .submit(job(fp32("x", new float[][] {{1, 0, 0, 2}}), Set.of("y")));
        // time for the second instance's thread to take the request and start waiting; it merges the two either way
        Thread.sleep(200);
        CompletableFuture<InferenceResult> theirs = late.submit(job(fp32("x", new float[][] {{3, 0, 0, 2}}),
                Set.of("y")));
        assertThat(mine.get(10, TimeUnit.SECONDS).batchItems()).isEqualTo(2);
        assertThat(theirs.get(10, TimeUnit.SECONDS).batchItems()).isEqualTo(2);
        assertThat(batches).containsExactly(new Batch(2, 2, FlushReason.IDLE));
        assertThatThrownBy(() -> busy.get(20, TimeUnit.SECONDS)).cause().isInstanceOf(InferenceException.class);
    }

    @Test
    void aFullBatchRunsWithoutWaiting() throws Exception {
        LoadedModel model = load("add", 4, Duration.ofSeconds(30));
        List<DynamicBatcher.Arrival> arrivals = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            arrivals.add(model.batcher().expect());
        }
        List<CompletableFuture<InferenceResult>> answers = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            answers.add(arrivals.get(i).submit(job(fp32("x", new float[][] {{i, i, i, i}}), Set.of("y"))));
        }
        for (CompletableFuture<InferenceResult> answer : answers) {
            assertThat(answer.get(10, TimeUnit.SECONDS).batchItems()).isEqualTo(4);
        }
        assertThat(batches).containsExactly(new Batch(4, 4, FlushReason.FULL));
        arrivals.get(4).abandon();
    }

    @Test
    void aRequestLargerThanTheMaximumRunsInBatchesOfAtMostTheMaximumAndIsAnsweredInOrder() throws Exception {
        float[][] pixels = new float[11][];
        for (int r = 0; r < pixels.length; r++) {
            pixels[r] = floats(Digits.image(r * 37).pixels());
        }
        Tensor request = fp32("input", pixels);
        Tensor whole = run(load("digits", 32, Duration.ofMillis(10)), request).outputs().get("output");
        assertThat(batches).as("one run of the whole request").extracting(Batch::items).containsExactly(11);
        batches.clear();

        LoadedModel split = load("digits", 4, Duration.ofMillis(10), 2);
        Tensor chunked = run(split, request).outputs().get("output");

        assertThat(chunked.shape()).containsExactly(11, 10);
        assertThat(values(chunked)).as("row for row the answer of the whole batch").containsExactly(values(whole),
                org.assertj.core.data.Offset.offset(1e-6f));
        assertThat(batches).as("runs of at most max_batch_size").allMatch(batch -> batch.items() <= 4);
        assertThat(batches.stream().mapToInt(Batch::items).sum()).isEqualTo(11);
        assertThat(batches).hasSizeGreaterThanOrEqualTo(3);
        assertThat(split.batcher().inFlight()).isZero();
    }

    @Test
    void requestsOfDifferentLengthsAreNotMerged() throws Exception {
        LoadedModel model = load("variable_length", 32, Duration.ofSeconds(5));
        DynamicBatcher.Arrival first = model.batcher().expect();
        DynamicBatcher.Arrival second = model.batcher().expect();
        DynamicBatcher.Arrival third = model.batcher().expect();
        CompletableFuture<InferenceResult> three = first.submit(job(fp32("x", new float[][] {{1, 2, 3}}), Set.of("y")));
        CompletableFuture<InferenceResult> five = second.submit(
                job(fp32("x", new float[][] {{1, 2, 3, 4, 5}}), Set.of("y")));
        CompletableFuture<InferenceResult> threeAgain = third.submit(
                job(fp32("x", new float[][] {{7, 8, 9}}), Set.of("y")));
        assertThat(values(three.get(10, TimeUnit.SECONDS).outputs().get("y"))).containsExactly(2, 3, 4);
        assertThat(values(five.get(10, TimeUnit.SECONDS).outputs().get("y"))).containsExactly(2, 3, 4, 5, 6);
        assertThat(values(threeAgain.get(10, TimeUnit.SECONDS).outputs().get("y"))).containsExactly(8, 9, 10);
        assertThat(batches).extracting(Batch::requests).containsExactlyInAnyOrder(2, 1);
    }

    @Test
    void aRequestWhoseValuesBreakTheRunFailsAloneAndTheOthersAreAnswered() throws Exception {
        LoadedModel model = load("lookup", 32, Duration.ofSeconds(5));
        long[] indices = {1, 4, 12, 7, 0};
        List<DynamicBatcher.Arrival> arrivals = new ArrayList<>();
        for (int i = 0; i < indices.length; i++) {
            arrivals.add(model.batcher().expect());
        }
        List<CompletableFuture<InferenceResult>> answers = new ArrayList<>();
        for (int i = 0; i < indices.length; i++) {
            ByteBuffer data = Tensor.allocate(Datatype.INT64, 1).putLong(indices[i]).flip();
            answers.add(arrivals.get(i).submit(job(new Tensor("index", Datatype.INT64, new long[] {1, 1}, data),
                    Set.of("value"))));
        }
        for (int i = 0; i < indices.length; i++) {
            if (indices[i] >= 10) {
                CompletableFuture<InferenceResult> failed = answers.get(i);
                assertThatThrownBy(() -> failed.get(10, TimeUnit.SECONDS))
                        .hasCauseInstanceOf(InferenceException.class)
                        .cause().hasMessageContaining("rejected the input")
                        .hasMessageContaining("Out of range value in index tensor")
                        .satisfies(e -> assertThat(((InferenceException) e).kind())
                                .isEqualTo(InferenceException.Kind.INVALID_INPUT));
            } else {
                assertThat(values(answers.get(i).get(10, TimeUnit.SECONDS).outputs().get("value")))
                        .containsExactly(10f * indices[i]);
            }
        }
    }

    @Test
    void aRetiredVersionFinishesItsRequestsAndTakesNoNewOnes() throws Exception {
        LoadedModel model = load("add", 32, Duration.ofSeconds(5));
        assertThat(model.tryAcquire()).isTrue();
        DynamicBatcher.Arrival held = model.batcher().expect();
        model.retire();
        assertThat(model.tryAcquire()).isFalse();
        InferenceResult result = held.submit(job(fp32("x", new float[][] {{1, 1, 1, 1}}), Set.of("y")))
                .get(10, TimeUnit.SECONDS);
        assertThat(values(result.outputs().get("y"))).containsExactly(1.5f, 1.5f, 1.5f, 1.5f);
        model.release();
    }

    private LoadedModel load(String name, int maxBatchSize, Duration maxDelay) throws Exception {
        return load(name, maxBatchSize, maxDelay, 1);
    }

    private LoadedModel load(String name, int maxBatchSize, Duration maxDelay, int instances) throws Exception {
        return load(name, maxBatchSize, maxDelay, instances, Duration.ZERO);
    }

    private LoadedModel load(String name, int maxBatchSize, Duration maxDelay, int instances,
                             Duration inlineMaxCompute) throws Exception {
        ModelConfigSpec spec = new ModelConfigSpec(null, maxBatchSize, maxDelay.toNanos() / 1e6,
                inlineMaxCompute.toNanos() / 1e6, instances, 1, 1, null, Map.of(), Map.of(), null, List.of(), null,
                null, null, null, null, MonitoringSpec.NONE);
        ModelConfig config = ModelConfigDefaults.apply(spec, new BatchingDefaults(32, Duration.ofMillis(2),
                Duration.ZERO), new FailsafeDefaults(Duration.ZERO, 10, 50));
        Path file = repository.modelFile(name, 1);
        LoadedModel model = LOADER.load(name, 1, file, config,
                (items, requests, reason, nanos) -> {
                    batches.add(new Batch(items, requests, reason));
                    runThreads.add(Thread.currentThread().getName());
                });
        loaded.add(model);
        return model;
    }

    private static InferenceResult run(LoadedModel model, Tensor input) {
        try {
            Set<String> outputs = Set.copyOf(model.signature().outputNames());
            return model.batcher().expect().submit(job(input, outputs)).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static InferenceJob job(Tensor input, Set<String> outputs) {
        return new InferenceJob(Map.of(input.name(), input), (int) input.batchSize(), outputs);
    }

    private static Tensor fp32(String name, float[][] rows) {
        int width = rows[0].length;
        ByteBuffer data = Tensor.allocate(Datatype.FP32, (long) rows.length * width);
        for (float[] row : rows) {
            for (float v : row) {
                data.putFloat(v);
            }
        }
        return new Tensor(name, Datatype.FP32, new long[] {rows.length, width}, data.flip());
    }

    private static float[] values(Tensor tensor) {
        float[] values = new float[(int) tensor.elementCount()];
        tensor.data().duplicate().order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
        return values;
    }

    private static float[] floats(double[] values) {
        float[] floats = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            floats[i] = (float) values[i];
        }
        return floats;
    }
}
