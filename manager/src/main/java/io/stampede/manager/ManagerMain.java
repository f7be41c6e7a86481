package io.stampede.manager;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import io.quarkus.runtime.annotations.QuarkusMain;
import io.stampede.model.NodeRole;
import io.stampede.node.startup.NodeMain;

/** The Stampede manager process. Leads a datacenter: splits workflows across its workers and merges their statistics. */
@QuarkusMain
@Singleton
public class ManagerMain {

    public static void main(String... args) {
        NodeMain.run("stampede-manager", args);
    }

    @Produces
    @Singleton
    NodeRole role() {
        return NodeRole.MANAGER;
    }
}
