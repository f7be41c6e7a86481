package io.stampede.worker.load;

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
    LoadEngine engine(Vertx vertx) {
        return new LoadEngine(vertx, Runtime.getRuntime().availableProcessors());
    }

    void close(@Disposes LoadEngine engine) {
        engine.close();
    }
}
