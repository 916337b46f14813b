package dev.quiver.orchestration.pool;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.orchestration.store.Transactions;
import dev.quiver.pool.PoolFileReader;
import dev.quiver.pool.PoolSpec;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.UncheckedIOException;

/** The pool the function admits work to, read once at startup: an invalid pool file stops the function. */
@ApplicationScoped
public class PoolBeans {

    @Produces
    @Singleton
    @Startup
    PoolSpec pool(PoolConfig config) {
        return config.file().map(file -> {
            try {
                return PoolFileReader.read(file);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the pool file " + file + " (quiver.pool.file)", e);
            }
        }).orElse(PoolSpec.DEFAULT);
    }

    @Produces
    @ApplicationScoped
    PoolStore store(Transactions transactions, PoolSpec pool, ObjectMapper json, MeterRegistry meters) {
        return new PoolStore(transactions, pool, json, meters);
    }

    /** The pool's gauges, registered at startup so that the first scrape has them. */
    @Produces
    @Singleton
    @Startup
    PoolMetrics metrics(PoolStore store, MeterRegistry meters) {
        return new PoolMetrics(store, meters);
    }

    void unregister(@Disposes PoolMetrics metrics) {
        metrics.close();
    }
}
