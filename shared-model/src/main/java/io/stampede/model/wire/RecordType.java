package io.stampede.model.wire;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

import io.stampede.model.NodeRole;

/**
 * Every kind of record, by the name it carries on the wire. Names are the protocol: a name is
 * never reused or changed, only added.
 */
public enum RecordType {
    JOB_SUBMITTED("job.submitted", Payload.JobSubmitted.class, Subject.Kind.JOB, NodeRole.GATE),
    JOB_CANCEL_REQUESTED("job.cancel-requested", Payload.JobCancelRequested.class, Subject.Kind.JOB, NodeRole.GATE),
    WORKFLOW_DISPATCHED("workflow.dispatched", Payload.WorkflowDispatched.class, Subject.Kind.JOB, NodeRole.MANAGER),
    WORKFLOW_CANCEL_REQUESTED("workflow.cancel-requested", Payload.WorkflowCancelRequested.class, Subject.Kind.JOB,
            NodeRole.MANAGER),
    WORKFLOW_WINDOW("workflow.window", Payload.WorkflowWindowReported.class, Subject.Kind.JOB, NodeRole.WORKER),
    WORKFLOW_FINISHED("workflow.finished", Payload.WorkflowFinished.class, Subject.Kind.JOB, NodeRole.WORKER),
    WORKER_HEARTBEAT("worker.heartbeat", Payload.WorkerHeartbeat.class, Subject.Kind.NODE, NodeRole.WORKER),
    DATACENTER_PROGRESS("datacenter.progress", Payload.DatacenterProgress.class, Subject.Kind.JOB, NodeRole.MANAGER),
    DATACENTER_FINISHED("datacenter.finished", Payload.DatacenterFinished.class, Subject.Kind.JOB, NodeRole.MANAGER),
    DATACENTER_STATUS("datacenter.status", Payload.DatacenterStatus.class, Subject.Kind.DATACENTER, NodeRole.MANAGER),
    JOB_FINISHED("job.finished", Payload.JobFinished.class, Subject.Kind.JOB, NodeRole.GATE),
    JOB_PROGRESS("job.progress", Payload.JobProgress.class, Subject.Kind.JOB, NodeRole.GATE),
    JOB_ENDED("job.ended", Payload.JobEnded.class, Subject.Kind.JOB, NodeRole.MANAGER),
    BACKPRESSURE("datacenter.backpressure", Payload.BackpressureChanged.class, Subject.Kind.DATACENTER,
            NodeRole.MANAGER),
    EXTENSION_REQUESTED("workflow.extension-requested", Payload.ExtensionRequested.class, Subject.Kind.JOB,
            NodeRole.WORKER),
    WORKFLOW_RELEASED("workflow.released", Payload.WorkflowReleased.class, Subject.Kind.JOB, NodeRole.GATE),
    JOB_ARCHIVED("job.archived", Payload.JobArchived.class, Subject.Kind.JOB, NodeRole.GATE),
    TERM_STATED("datacenter.term", Payload.TermStated.class, Subject.Kind.DATACENTER, NodeRole.MANAGER),
    OWNERSHIP_STATED("job.ownership", Payload.OwnershipStated.class, Subject.Kind.JOB, NodeRole.GATE);

    private static final Map<String, RecordType> BY_NAME = Arrays.stream(values())
            .collect(Collectors.toUnmodifiableMap(RecordType::wireName, Function.identity()));
    private static final Map<Class<? extends Payload>, RecordType> BY_CLASS = Arrays.stream(values())
            .collect(Collectors.toUnmodifiableMap(RecordType::payloadClass, Function.identity()));

    private final String wireName;
    private final Class<? extends Payload> payloadClass;
    private final Subject.Kind subjectKind;
    private final NodeRole writer;

    RecordType(String wireName, Class<? extends Payload> payloadClass, Subject.Kind subjectKind, NodeRole writer) {
        this.wireName = wireName;
        this.payloadClass = payloadClass;
        this.subjectKind = subjectKind;
        this.writer = writer;
    }

    /** The role whose nodes write records of this type (checked with role signatures, docs/security.md). */
    public NodeRole writer() {
        return writer;
    }

    /** What records of this type are about. */
    public Subject.Kind subjectKind() {
        return subjectKind;
    }

    public String wireName() {
        return wireName;
    }

    public Class<? extends Payload> payloadClass() {
        return payloadClass;
    }

    public static Optional<RecordType> byName(String name) {
        return Optional.ofNullable(BY_NAME.get(name));
    }

    public static RecordType of(Payload payload) {
        return BY_CLASS.get(payload.getClass());
    }
}
