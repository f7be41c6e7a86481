package io.stampede.worker.load;

import java.time.Clock;

import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import io.stampede.worker.engine.LoadEngine;
import io.vertx.core.Vertx;

/** The worker's one load engine, on Quarkus's Vert.x, with a lane per core. */
@Singleton
public class EngineProducer {

    @Produces
    @Singleton
    LoadEngine engine(Vertx vertx, Clock clock) {
        // Monotonic time is the JVM's own: no bean replaces it, since tests that need another
        // build the engine themselves.
        return new LoadEngine(vertx, Runtime.getRuntime().availableProcessors(), clock, System::nanoTime);
    }

    void close(@Disposes LoadEngine engine) {
        engine.close();
    }
}
