package io.stampede.node.startup;

import java.util.List;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import io.quarkus.runtime.StartupEvent;
import io.stampede.node.config.NodeIdentity;
import io.stampede.node.config.NodeSettings;

/** Refuses to start a node whose settings are wrong, before it talks to anyone. */
@Singleton
public class SettingsCheck {

    void onStart(@Observes StartupEvent event, NodeIdentity identity) {
        NodeSettings settings = identity.settings();
        List<String> problems = settings.problems();
        if (!problems.isEmpty()) {
            throw new InvalidSettingsException(problems);
        }
    }
}
