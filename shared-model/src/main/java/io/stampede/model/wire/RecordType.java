package io.stampede.model.wire;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Every kind of record, by the name it carries on the wire. Names are the protocol: a name is
 * never reused or changed, only added.
 */
public enum RecordType {
    JOB_SUBMITTED("job.submitted", Payload.JobSubmitted.class, Subject.Kind.JOB),
    JOB_CANCEL_REQUESTED("job.cancel-requested", Payload.JobCancelRequested.class, Subject.Kind.JOB),
    WORKFLOW_DISPATCHED("workflow.dispatched", Payload.WorkflowDispatched.class, Subject.Kind.JOB),
    WORKFLOW_CANCEL_REQUESTED("workflow.cancel-requested", Payload.WorkflowCancelRequested.class, Subject.Kind.JOB),
    WORKFLOW_WINDOW("workflow.window", Payload.WorkflowWindowReported.class, Subject.Kind.JOB),
    WORKFLOW_FINISHED("workflow.finished", Payload.WorkflowFinished.class, Subject.Kind.JOB),
    WORKER_HEARTBEAT("worker.heartbeat", Payload.WorkerHeartbeat.class, Subject.Kind.NODE),
    DATACENTER_PROGRESS("datacenter.progress", Payload.DatacenterProgress.class, Subject.Kind.JOB),
    DATACENTER_FINISHED("datacenter.finished", Payload.DatacenterFinished.class, Subject.Kind.JOB),
    DATACENTER_STATUS("datacenter.status", Payload.DatacenterStatus.class, Subject.Kind.DATACENTER),
    JOB_FINISHED("job.finished", Payload.JobFinished.class, Subject.Kind.JOB),
    JOB_PROGRESS("job.progress", Payload.JobProgress.class, Subject.Kind.JOB),
    JOB_ENDED("job.ended", Payload.JobEnded.class, Subject.Kind.JOB),
    BACKPRESSURE("datacenter.backpressure", Payload.BackpressureChanged.class, Subject.Kind.DATACENTER),
    EXTENSION_REQUESTED("workflow.extension-requested", Payload.ExtensionRequested.class, Subject.Kind.JOB),
    WORKFLOW_RELEASED("workflow.released", Payload.WorkflowReleased.class, Subject.Kind.JOB),
    JOB_ARCHIVED("job.archived", Payload.JobArchived.class, Subject.Kind.JOB);

    private static final Map<String, RecordType> BY_NAME = Arrays.stream(values())
            .collect(Collectors.toUnmodifiableMap(RecordType::wireName, Function.identity()));
    private static final Map<Class<? extends Payload>, RecordType> BY_CLASS = Arrays.stream(values())
            .collect(Collectors.toUnmodifiableMap(RecordType::payloadClass, Function.identity()));

    private final String wireName;
    private final Class<? extends Payload> payloadClass;
    private final Subject.Kind subjectKind;

    RecordType(String wireName, Class<? extends Payload> payloadClass, Subject.Kind subjectKind) {
        this.wireName = wireName;
        this.payloadClass = payloadClass;
        this.subjectKind = subjectKind;
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
