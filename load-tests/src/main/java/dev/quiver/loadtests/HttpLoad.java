package dev.quiver.loadtests;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A closed-loop HTTP load: {@code concurrency} virtual clients on kept-alive connections, each sending its next request
 * as soon as the previous one is answered. One event-loop thread drives all of them with pre-encoded bodies, so the
 * load generator takes as little of the shared CPU as it can.
 */
public final class HttpLoad implements AutoCloseable {

    private final Vertx vertx = Vertx.vertx();
    private final URI base;

    public HttpLoad(URI base) {
        this.base = base;
    }

    /**
     * @param itemsPerRequest items (images, rows) one request carries, for the throughput figure
     */
    public LatencyStats run(String path, MultiMap headers, Buffer body, int itemsPerRequest, int concurrency,
                            Duration warmUp, Duration duration) throws InterruptedException {
        HttpClient client = vertx.createHttpClient(new HttpClientOptions()
                .setDefaultHost(base.getHost()).setDefaultPort(base.getPort())
                .setKeepAlive(true).setTcpNoDelay(true), new PoolOptions().setHttp1MaxSize(concurrency));
        try {
            measure(client, path, headers, body, itemsPerRequest, concurrency, warmUp);
            return measure(client, path, headers, body, itemsPerRequest, concurrency, duration);
        } finally {
            client.close().toCompletionStage().toCompletableFuture().join();
        }
    }

    private LatencyStats measure(HttpClient client, String path, MultiMap headers, Buffer body, int items,
                                 int concurrency, Duration duration) throws InterruptedException {
        long[] latencies = new long[4_000_000];
        AtomicInteger count = new AtomicInteger();
        AtomicLong errors = new AtomicLong();
        AtomicBoolean running = new AtomicBoolean(true);
        CountDownLatch done = new CountDownLatch(concurrency);
        long start = System.nanoTime();
        for (int i = 0; i < concurrency; i++) {
            vertx.runOnContext(ignored -> next(client, path, headers, body, latencies, count, errors, running, done));
        }
        Thread.sleep(duration.toMillis());
        running.set(false);
        if (!done.await(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("requests still in flight a minute after the run ended");
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        int n = Math.min(count.get(), latencies.length);
        return LatencyStats.of(latencies, n, (long) n * items, errors.get(), seconds);
    }

    private void next(HttpClient client, String path, MultiMap headers, Buffer body, long[] latencies,
                      AtomicInteger count, AtomicLong errors, AtomicBoolean running, CountDownLatch done) {
        if (!running.get()) {
            done.countDown();
            return;
        }
        long begin = System.nanoTime();
        client.request(HttpMethod.POST, path)
                .compose(request -> {
                    request.headers().addAll(headers);
                    return request.send(body);
                })
                .compose(response -> response.body().map(ignored -> response.statusCode()))
                .onComplete(result -> {
                    if (result.succeeded() && result.result() < 300) {
                        int slot = count.getAndIncrement();
                        if (slot < latencies.length) {
                            latencies[slot] = System.nanoTime() - begin;
                        }
                    } else {
                        errors.incrementAndGet();
                    }
                    next(client, path, headers, body, latencies, count, errors, running, done);
                });
    }

    /** Checks the server answers {@code path} with a 2xx before measuring it. */
    public int probe(String path, MultiMap headers, Buffer body) {
        HttpClient client = vertx.createHttpClient(new HttpClientOptions()
                .setDefaultHost(base.getHost()).setDefaultPort(base.getPort()));
        try {
            Future<Integer> status = client.request(HttpMethod.POST, path)
                    .compose(request -> {
                        request.headers().addAll(headers);
                        return request.send(body);
                    })
                    .compose(response -> response.body().map(ignored -> response.statusCode()));
            return status.toCompletionStage().toCompletableFuture().join();
        } finally {
            client.close();
        }
    }

    @Override
    public void close() {
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }
}
