package io.stampede.worker.messaging;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.reactive.messaging.Incoming;

import io.stampede.worker.load.ShareRunner;

/** Reads this datacenter's dispatch topic; the runner decides what each record means. */
@ApplicationScoped
public class DispatchListener {

    private final ShareRunner runner;

    public DispatchListener(ShareRunner runner) {
        this.runner = runner;
    }

    @Incoming("dispatch")
    public void onRecord(byte[] value) {
        runner.onDispatchRecord(value);
    }
}
