package io.stampede.node.nativeimage;

import io.quarkus.runtime.annotations.RegisterForReflection;
import io.stampede.model.job.LoadShare;
import io.stampede.model.stats.Unaccounted;
import io.stampede.model.stats.WorkflowWindow;
import io.stampede.model.wire.Envelope;
import io.stampede.model.wire.Payload;

/**
 * What a native image of a node must be told it will load by reflection, for the {@code native}
 * build profile of gates and managers (docs/deployment.md#native-images). A JVM build needs none
 * of it.
 * <ul>
 * <li>Every record payload and what it holds: Jackson builds them in {@code RecordCodec}, outside
 * any REST endpoint Quarkus would find on its own.</li>
 * <li>HdrHistogram's histograms: a statistics window's latencies are decoded through a
 * constructor looked up by reflection.</li>
 * <li>Ratis: its server, client, gRPC transport, disabled data stream and metrics are classes it
 * loads by name (the metrics through a service file, included as a resource by
 * {@code quarkus.native.resources.includes}).</li>
 * </ul>
 */
@RegisterForReflection(targets = {Payload.class, Envelope.class, WorkflowWindow.class, Unaccounted.class,
        LoadShare.class}, ignoreNested = false, registerFullHierarchy = true, classNames = {
                "org.HdrHistogram.Histogram", "org.HdrHistogram.ConcurrentHistogram",
                "org.HdrHistogram.IntCountsHistogram", "org.HdrHistogram.ShortCountsHistogram",
                "org.apache.ratis.server.impl.ServerImplUtils", "org.apache.ratis.client.impl.ClientImplUtils",
                "org.apache.ratis.grpc.GrpcFactory", "org.apache.ratis.server.DisabledDataStreamServerFactory",
                "org.apache.ratis.client.DisabledDataStreamClientFactory",
                "org.apache.ratis.metrics.impl.MetricRegistriesImpl"})
public final class NativeRegistrations {

    private NativeRegistrations() {
    }
}
