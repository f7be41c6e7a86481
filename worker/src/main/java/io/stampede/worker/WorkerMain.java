package io.stampede.worker;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import io.quarkus.runtime.annotations.QuarkusMain;
import io.stampede.model.NodeRole;
import io.stampede.node.startup.NodeMain;

/** The Stampede worker process. Generates the load and streams windowed statistics back. */
@QuarkusMain
@Singleton
public class WorkerMain {

    public static void main(String... args) {
        NodeMain.run("stampede-worker", args);
    }

    @Produces
    @Singleton
    NodeRole role() {
        return NodeRole.WORKER;
    }
}
