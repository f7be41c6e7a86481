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
    JOB_SUBMITTED("job.submitted", Payload.JobSubmitted.class),
    JOB_CANCEL_REQUESTED("job.cancel-requested", Payload.JobCancelRequested.class),
    WORKFLOW_DISPATCHED("workflow.dispatched", Payload.WorkflowDispatched.class),
    WORKFLOW_CANCEL_REQUESTED("workflow.cancel-requested", Payload.WorkflowCancelRequested.class),
    WORKFLOW_WINDOW("workflow.window", Payload.WorkflowWindowReported.class),
    WORKFLOW_FINISHED("workflow.finished", Payload.WorkflowFinished.class),
    WORKER_HEARTBEAT("worker.heartbeat", Payload.WorkerHeartbeat.class),
    DATACENTER_PROGRESS("datacenter.progress", Payload.DatacenterProgress.class),
    DATACENTER_FINISHED("datacenter.finished", Payload.DatacenterFinished.class),
    DATACENTER_STATUS("datacenter.status", Payload.DatacenterStatus.class),
    JOB_FINISHED("job.finished", Payload.JobFinished.class),
    JOB_PROGRESS("job.progress", Payload.JobProgress.class);

    private static final Map<String, RecordType> BY_NAME = Arrays.stream(values())
            .collect(Collectors.toUnmodifiableMap(RecordType::wireName, Function.identity()));
    private static final Map<Class<? extends Payload>, RecordType> BY_CLASS = Arrays.stream(values())
            .collect(Collectors.toUnmodifiableMap(RecordType::payloadClass, Function.identity()));

    private final String wireName;
    private final Class<? extends Payload> payloadClass;

    RecordType(String wireName, Class<? extends Payload> payloadClass) {
        this.wireName = wireName;
        this.payloadClass = payloadClass;
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
