package dev.quiver.inference.batching;

import dev.quiver.inference.InferenceException;
import dev.quiver.inference.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jboss.logging.Logger;

/**
 * Merges concurrent requests for one model version into single ONNX Runtime runs and splits the results back.
 *
 * <p>A batch starts with the oldest queued request and takes every later request whose inputs have the same trailing
 * dimensions, as long as the items fit the maximum batch size. It runs when it is full, when its oldest request has
 * waited the maximum queue delay, as soon as no other request for the model is arriving (callers announce a request
 * with {@link #expect()} before they parse it, so an idle model never makes a lone request wait), or as soon as
 * another of the model's instances is not running: a batch waits for company only while every other instance runs,
 * so the wait never holds a request back from a free instance and its core.
 *
 * <p>A request of more items than the maximum batch size is split into chunks of at most that size, which run as
 * batches of their own (on as many instances as are free) and are joined back in order for its answer.
 *
 * <p>At most the policy's number of instances run at once. Each instance is a thread that forms and runs batches. A
 * caller whose request comes alone (nothing else in flight for the model, now or on average lately) runs it itself
 * instead of handing it to a worker and waiting to be woken: always when it may block (a worker thread), and on an event-loop
 * thread only while the model's single runs take less than the policy's {@code inlineMaxCompute}. Inputs are copied
 * once into reusable direct buffers, which ONNX Runtime reads without another copy.
 */
public final class DynamicBatcher implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(DynamicBatcher.class);

    /** A request that waits in the queue as long as it takes. */
    public static final long NO_DEADLINE = Long.MAX_VALUE;

    private final String label;
    private final BatchRunner runner;
    private final BatchingPolicy policy;
    private final BatchObserver observer;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    private final AtomicInteger arriving = new AtomicInteger();
    private final List<Thread> workers = new ArrayList<>();
    private final ArrayDeque<Map<String, ByteBuffer>> stagingBuffers = new ArrayDeque<>();
    /** Instances taken: by a batch that runs, or by one that is forming. */
    private int running;
    /** Of those, the instances held by a batch that is still forming. */
    private int forming;
    /** Moving average of the compute time of single-request runs; unknown (MAX_VALUE) until one has run. */
    private volatile long singleRunNanos = Long.MAX_VALUE;
    /** Requests announced and not yet answered: being parsed, queued, running. */
    private final AtomicInteger inFlight = new AtomicInteger();
    /**
     * Moving average of the other requests in flight when one is submitted. A model under load is momentarily alone
     * often; this says whether requests really come one at a time. Updated without a lock: an estimate.
     */
    private volatile double concurrency;
    private boolean closing;

    public DynamicBatcher(String label, BatchRunner runner, BatchingPolicy policy, BatchObserver observer) {
        this.label = label;
        this.runner = runner;
        this.policy = policy;
        this.observer = observer;
        for (int i = 0; i < policy.instances(); i++) {
            stagingBuffers.push(new HashMap<>());
            Thread worker = Thread.ofPlatform().name("quiver-batcher-" + label + "-" + i).daemon()
                    .unstarted(this::work);
            workers.add(worker);
        }
        workers.forEach(Thread::start);
    }

    /** Announces a request that is being parsed; it must end in exactly one {@code submit} or {@code abandon}. */
    public Arrival expect() {
        arriving.incrementAndGet();
        inFlight.incrementAndGet();
        return new Arrival();
    }

    public BatchingPolicy policy() {
        return policy;
    }

    /** A request announced to the batcher. */
    public final class Arrival {
        private final AtomicBoolean settled = new AtomicBoolean();

        private Arrival() {
        }

        public CompletableFuture<InferenceResult> submit(InferenceJob job) {
            return submit(job, false, NO_DEADLINE);
        }

        /** Submits a request without a deadline. */
        public CompletableFuture<InferenceResult> submit(InferenceJob job, boolean callerMayBlock) {
            return submit(job, callerMayBlock, NO_DEADLINE);
        }

        /**
         * @param callerMayBlock whether the calling thread may run the model however long it takes (it is not an
         *                       event loop)
         * @param deadlineNanos  the {@link System#nanoTime()} past which the request is dropped from the queue if no
         *                       run has taken it yet ({@link #NO_DEADLINE} for none)
         */
        public CompletableFuture<InferenceResult> submit(InferenceJob job, boolean callerMayBlock,
                                                         long deadlineNanos) {
            if (policy.merges() && job.items() > policy.maxBatchSize()) {
                return submitInChunks(job, deadlineNanos);
            }
            Pending pending = new Pending(job, BatchKey.of(job), System.nanoTime(), deadlineNanos,
                    new CompletableFuture<>());
            Map<String, ByteBuffer> staging;
            lock.lock();
            try {
                settle();
                if (closing) {
                    inFlight.decrementAndGet();
                    pending.result.completeExceptionally(InferenceException.unavailable(
                            "model " + label + " is unloading", java.time.Duration.ofSeconds(1)));
                    return pending.result;
                }
                boolean runHere = callerMayBlock || singleRunNanos < policy.inlineMaxCompute().toNanos();
                int others = inFlight.get() - 1;
                double recent = 0.9 * concurrency + 0.1 * others;
                concurrency = recent;
                // only when requests come one at a time: under load, merged runs on the batcher threads serve more
                // requests per core than single runs on callers' threads
                if (!runHere || others > 0 || recent >= 0.5 || running > 0) {
                    queue.addLast(pending);
                    changed.signalAll();
                    return pending.result;
                }
                staging = startRun();
            } finally {
                lock.unlock();
            }
            runAndFinish(List.of(pending), FlushReason.IDLE, staging);
            return pending.result;
        }

        /**
         * A request of more items than a run takes is queued as chunks of at most the maximum batch size, in order,
         * which the model's instances take as they are free (and may merge with other requests as any request), and
         * answered once every chunk is, with their outputs joined back in order.
         */
        private CompletableFuture<InferenceResult> submitInChunks(InferenceJob job, long deadlineNanos) {
            int max = policy.maxBatchSize();
            long now = System.nanoTime();
            List<Pending> chunks = new ArrayList<>();
            for (int offset = 0; offset < job.items(); offset += max) {
                int count = Math.min(max, job.items() - offset);
                Map<String, Tensor> inputs = new HashMap<>();
                for (Map.Entry<String, Tensor> input : job.inputs().entrySet()) {
                    inputs.put(input.getKey(), inputRows(input.getValue(), offset, count, job.items()));
                }
                InferenceJob chunk = new InferenceJob(inputs, count, job.outputs());
                chunks.add(new Pending(chunk, BatchKey.of(chunk), now, deadlineNanos, new CompletableFuture<>()));
            }
            lock.lock();
            try {
                settle();
                if (closing) {
                    inFlight.decrementAndGet();
                    return CompletableFuture.failedFuture(InferenceException.unavailable(
                            "model " + label + " is unloading", java.time.Duration.ofSeconds(1)));
                }
                // each chunk is answered, and leaves the count of requests in flight, on its own
                inFlight.addAndGet(chunks.size() - 1);
                queue.addAll(chunks);
                changed.signalAll();
            } finally {
                lock.unlock();
            }
            return joined(chunks, job);
        }

        /** The announced request will not come (it was invalid); no batch should wait for it. */
        public void abandon() {
            lock.lock();
            try {
                if (!settled.get()) {
                    inFlight.decrementAndGet();
                }
                settle();
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }

        private void settle() {
            if (settled.compareAndSet(false, true)) {
                arriving.decrementAndGet();
            }
        }
    }

    /** Requests announced and not yet answered: being parsed, queued or running. */
    public int inFlight() {
        return inFlight.get();
    }

    /** Requests waiting for a batch to start. */
    public int queued() {
        lock.lock();
        try {
            return queue.size();
        } finally {
            lock.unlock();
        }
    }

    /** Stops the workers once the queue is empty. Requests submitted afterwards fail as unavailable. */
    @Override
    public void close() {
        lock.lock();
        try {
            closing = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        for (Thread worker : workers) {
            if (worker == Thread.currentThread()) {
                // the last lease was released by this worker's own completion; it exits when it returns to its loop
                continue;
            }
            try {
                worker.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void work() {
        List<Pending> batch = new ArrayList<>();
        List<Pending> expired = new ArrayList<>();
        while (true) {
            FlushReason reason = null;
            Map<String, ByteBuffer> staging = null;
            lock.lock();
            try {
                while (queue.isEmpty() || running == policy.instances()) {
                    if (closing && queue.isEmpty()) {
                        return;
                    }
                    changed.awaitUninterruptibly();
                }
                dropExpired(expired);
                if (!queue.isEmpty()) {
                    // the instance is taken before the batch forms, so no caller runs in its place meanwhile
                    staging = startRun();
                    forming++;
                    reason = formBatch(batch);
                    forming--;
                }
            } finally {
                lock.unlock();
            }
            expire(expired);
            if (staging != null) {
                runAndFinish(batch, reason, staging);
                batch.clear();
            }
        }
    }

    /**
     * Called with the lock held: takes out of the queue the requests whose deadline passed before a run took them,
     * so no run computes an answer nobody waits for.
     */
    private void dropExpired(List<Pending> expired) {
        long now = System.nanoTime();
        for (Iterator<Pending> it = queue.iterator(); it.hasNext(); ) {
            Pending pending = it.next();
            if (pending.deadlineNanos != NO_DEADLINE && pending.deadlineNanos - now < 0) {
                it.remove();
                expired.add(pending);
            }
        }
    }

    /** Answers dropped requests outside the lock: what their callers do next (a fallback) never holds it. */
    private void expire(List<Pending> expired) {
        if (expired.isEmpty()) {
            return;
        }
        observer.expired(expired.size());
        for (Pending pending : expired) {
            inFlight.decrementAndGet();
            pending.result.completeExceptionally(InferenceException.deadlineExceeded("model " + label + ": the "
                    + "request's deadline passed while it waited for a run"));
        }
        expired.clear();
    }

    /** Called with the lock held: takes one of the instances and its staging buffers. */
    private Map<String, ByteBuffer> startRun() {
        running++;
        return stagingBuffers.pop();
    }

    /**
     * Runs a batch and answers its requests only once the instance is free again and the requests no longer count
     * as in flight: a caller woken by its answer that sends the next request at once finds the model idle.
     */
    private void runAndFinish(List<Pending> batch, FlushReason reason, Map<String, ByteBuffer> staging) {
        List<Completion> completions = new ArrayList<>(batch.size());
        try {
            execute(batch, reason, staging, completions);
        } catch (RuntimeException | Error e) {
            LOG.errorf(e, "model %s: batch of %d requests failed", label, batch.size());
            InferenceException failure = InferenceException.internal("model " + label + " failed: " + e, e);
            completions.clear();
            batch.forEach(pending -> completions.add(new Completion(pending, null, failure)));
        } finally {
            lock.lock();
            try {
                running--;
                stagingBuffers.push(staging);
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
        for (Completion completion : completions) {
            inFlight.decrementAndGet();
            if (completion.failure() != null) {
                completion.pending().result.completeExceptionally(completion.failure());
            } else {
                completion.pending().result.complete(completion.result());
            }
        }
    }

    private record Completion(Pending pending, InferenceResult result, Throwable failure) {
    }

    /** Called with the lock held and a non-empty queue. */
    private FlushReason formBatch(List<Pending> batch) {
        Pending first = queue.pollFirst();
        batch.add(first);
        int items = first.job.items();
        int max = policy.maxBatchSize();
        if (!policy.merges()) {
            return FlushReason.SINGLE;
        }
        long deadline = first.enqueuedNanos + policy.maxQueueDelay().toNanos();
        while (true) {
            boolean full = items == max;
            Iterator<Pending> candidates = queue.iterator();
            while (!full && candidates.hasNext()) {
                Pending next = candidates.next();
                if (next.key.equals(first.key)) {
                    if (items + next.job.items() > max) {
                        full = true;
                    } else {
                        candidates.remove();
                        batch.add(next);
                        items += next.job.items();
                        full = items == max;
                    }
                }
            }
            if (full) {
                return FlushReason.FULL;
            }
            if (arriving.get() == 0) {
                return FlushReason.IDLE;
            }
            if (running - forming < policy.instances() - 1) {
                return FlushReason.INSTANCE_FREE;
            }
            long wait = deadline - System.nanoTime();
            if (wait <= 0) {
                return FlushReason.DELAY;
            }
            try {
                changed.awaitNanos(wait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return FlushReason.DELAY;
            }
        }
    }

    private void execute(List<Pending> batch, FlushReason reason, Map<String, ByteBuffer> staging,
                         List<Completion> completions) {
        long start = System.nanoTime();
        int items = 0;
        Set<String> outputs = new LinkedHashSet<>();
        for (Pending pending : batch) {
            items += pending.job.items();
            outputs.addAll(pending.job.outputs());
        }
        Map<String, Tensor> results;
        try {
            results = runner.run(stage(batch, items, staging), outputs, latestDeadline(batch));
        } catch (InferenceException e) {
            if (e.kind() == InferenceException.Kind.DEADLINE_EXCEEDED) {
                observer.stopped(batch.size());
            }
            if (batch.size() > 1 && e.kind() == InferenceException.Kind.INVALID_INPUT) {
                // one request's values broke the run: run each alone so only that request fails
                for (Pending pending : batch) {
                    execute(List.of(pending), FlushReason.SINGLE, staging, completions);
                }
                return;
            }
            batch.forEach(pending -> completions.add(new Completion(pending, null, e)));
            return;
        } catch (Exception | LinkageError e) {
            LOG.errorf(e, "model %s: run of %d items failed", label, items);
            InferenceException failure = InferenceException.internal(
                    "model " + label + " failed to run: " + e.getMessage(), e);
            batch.forEach(pending -> completions.add(new Completion(pending, null, failure)));
            return;
        }
        long compute = System.nanoTime() - start;
        if (batch.size() == 1) {
            long typical = singleRunNanos;
            singleRunNanos = typical == Long.MAX_VALUE ? compute : (7 * typical + compute) / 8;
        }
        observer.batchRan(items, batch.size(), reason, compute);
        int offset = 0;
        for (Pending pending : batch) {
            Map<String, Tensor> own = new HashMap<>();
            for (String name : pending.job.outputs()) {
                Tensor output = results.get(name);
                own.put(name, batch.size() == 1 ? output : rows(output, offset, pending.job.items(), items));
            }
            offset += pending.job.items();
            completions.add(new Completion(pending,
                    new InferenceResult(own, items, start - pending.enqueuedNanos, compute), null));
        }
    }

    /**
     * When the last of the batch's requests passes its deadline: each is answered by then without the run (by a
     * fallback or a 504), so the run may stop. {@link #NO_DEADLINE} when any request has none.
     */
    private static long latestDeadline(List<Pending> batch) {
        long now = System.nanoTime();
        long latest = now;
        for (Pending pending : batch) {
            if (pending.deadlineNanos == NO_DEADLINE) {
                return NO_DEADLINE;
            }
            if (pending.deadlineNanos - latest > 0) {
                latest = pending.deadlineNanos;
            }
        }
        return latest;
    }

    /** Copies the batch's inputs, stacked along the first dimension, into this worker's direct buffers. */
    private static Map<String, Tensor> stage(List<Pending> batch, int items, Map<String, ByteBuffer> staging) {
        Map<String, Tensor> first = batch.getFirst().job.inputs();
        Map<String, Tensor> stacked = new HashMap<>();
        for (Map.Entry<String, Tensor> input : first.entrySet()) {
            String name = input.getKey();
            int bytes = 0;
            for (Pending pending : batch) {
                bytes = Math.addExact(bytes, pending.job.inputs().get(name).data().remaining());
            }
            ByteBuffer buffer = staging.get(name);
            if (buffer == null || buffer.capacity() < bytes) {
                buffer = ByteBuffer.allocateDirect(Math.max(bytes, 4096)).order(ByteOrder.LITTLE_ENDIAN);
                staging.put(name, buffer);
            }
            buffer.clear();
            for (Pending pending : batch) {
                buffer.put(pending.job.inputs().get(name).data().duplicate());
            }
            buffer.flip();
            long[] shape = input.getValue().shape().clone();
            if (batch.size() > 1) {
                shape[0] = items;
            }
            stacked.put(name, new Tensor(name, input.getValue().datatype(), shape, buffer));
        }
        return stacked;
    }

    /** Rows {@code [offset, offset + count)} of an output whose first dimension is the batch's {@code items}. */
    private static Tensor rows(Tensor output, int offset, int count, int items) {
        if (output.shape().length == 0 || output.shape()[0] != items) {
            throw InferenceException.internal("output " + output.name() + " has shape "
                    + Arrays.toString(output.shape()) + ", which does not follow the batch of " + items, null);
        }
        int rowBytes = output.data().remaining() / items;
        ByteBuffer slice = output.data().slice(offset * rowBytes, count * rowBytes);
        ByteBuffer copy = ByteBuffer.allocate(slice.remaining()).order(ByteOrder.LITTLE_ENDIAN);
        copy.put(slice).flip();
        long[] shape = output.shape().clone();
        shape[0] = count;
        return new Tensor(output.name(), output.datatype(), shape, copy);
    }

    /**
     * The answer of a request run in chunks: its outputs joined in chunk order; the largest run that served a chunk,
     * the longest wait and the compute of every chunk. The first chunk to fail fails the request, with its error.
     */
    private static CompletableFuture<InferenceResult> joined(List<Pending> chunks, InferenceJob job) {
        CompletableFuture<InferenceResult> answer = new CompletableFuture<>();
        AtomicInteger left = new AtomicInteger(chunks.size());
        for (Pending chunk : chunks) {
            chunk.result.whenComplete((result, failure) -> {
                if (failure != null) {
                    answer.completeExceptionally(failure);
                } else if (left.decrementAndGet() == 0) {
                    List<InferenceResult> results = chunks.stream().map(done -> done.result.join()).toList();
                    Map<String, Tensor> outputs = new HashMap<>();
                    for (String name : job.outputs()) {
                        outputs.put(name, stacked(results.stream().map(done -> done.outputs().get(name)).toList()));
                    }
                    answer.complete(new InferenceResult(outputs,
                            results.stream().mapToInt(InferenceResult::batchItems).max().orElse(0),
                            results.stream().mapToLong(InferenceResult::queueNanos).max().orElse(0),
                            results.stream().mapToLong(InferenceResult::computeNanos).sum()));
                }
            });
        }
        return answer;
    }

    /** Tensors of the same trailing shape, one after the other along the first dimension. */
    private static Tensor stacked(List<Tensor> parts) {
        Tensor first = parts.getFirst();
        long rows = 0;
        int bytes = 0;
        for (Tensor part : parts) {
            rows += part.shape()[0];
            bytes = Math.addExact(bytes, part.data().remaining());
        }
        ByteBuffer data = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
        parts.forEach(part -> data.put(part.data().duplicate()));
        long[] shape = first.shape().clone();
        shape[0] = rows;
        return new Tensor(first.name(), first.datatype(), shape, data.flip());
    }

    /** Rows {@code [offset, offset + count)} of an input of {@code items} rows, without a copy. */
    private static Tensor inputRows(Tensor input, int offset, int count, int items) {
        ByteBuffer data = input.data();
        int rowBytes = data.remaining() / items;
        ByteBuffer slice = data.slice(data.position() + offset * rowBytes, count * rowBytes)
                .order(ByteOrder.LITTLE_ENDIAN);
        long[] shape = input.shape().clone();
        shape[0] = count;
        return new Tensor(input.name(), input.datatype(), shape, slice);
    }

    private record Pending(InferenceJob job, BatchKey key, long enqueuedNanos, long deadlineNanos,
                           CompletableFuture<InferenceResult> result) {
    }

    /** Requests merge when their inputs agree on everything but the first dimension. */
    private record BatchKey(List<String> signature) {
        static BatchKey of(InferenceJob job) {
            List<String> parts = new ArrayList<>(job.inputs().size());
            job.inputs().forEach((name, tensor) -> {
                long[] shape = tensor.shape();
                parts.add(name + tensor.datatype() + Arrays.toString(Arrays.copyOfRange(shape,
                        Math.min(1, shape.length), shape.length)));
            });
            parts.sort(null);
            return new BatchKey(parts);
        }
    }
}
