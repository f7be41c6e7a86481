package io.stampede.worker.load;

import java.time.Clock;

import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import io.stampede.model.security.TargetPolicy;
import io.stampede.worker.engine.LoadEngine;
import io.vertx.core.Vertx;

/** The worker's one load engine, on Quarkus's Vert.x, with a lane per core, sending only where the target policy allows. */
@Singleton
public class EngineProducer {

    @Produces
    @Singleton
    LoadEngine engine(Vertx vertx, Clock clock, TargetPolicy targets, io.stampede.node.config.NodeConfig config) {
        // Monotonic time is the JVM's own: no bean replaces it, since tests that need another
        // build the engine themselves.
        return new LoadEngine(vertx, Runtime.getRuntime().availableProcessors(), clock, System::nanoTime, targets,
                io.stampede.worker.engine.WorkerSecrets.of(config.secrets().directory().map(java.nio.file.Path::of)));
    }

    void close(@Disposes LoadEngine engine) {
        engine.close();
    }
}
