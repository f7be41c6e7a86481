package io.stampede.gate;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import io.quarkus.runtime.annotations.QuarkusMain;
import io.stampede.model.NodeRole;
import io.stampede.node.startup.NodeMain;

/** The Stampede gate process. Accepts jobs over REST and routes them to datacenters. */
@QuarkusMain
@Singleton
public class GateMain {

    public static void main(String... args) {
        NodeMain.run("stampede-gate", args);
    }

    @Produces
    @Singleton
    NodeRole role() {
        return NodeRole.GATE;
    }
}
