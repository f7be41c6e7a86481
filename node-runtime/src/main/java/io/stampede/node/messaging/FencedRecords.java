package io.stampede.node.messaging;

import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;

import io.stampede.cluster.leadership.FenceCheck;
import io.stampede.model.wire.Envelope;
import io.stampede.model.wire.Payload;

/**
 * A consumer's check of the fences it reads ({@link FenceCheck}): of its datacenters' leaders,
 * against their managers' term statements ({@code datacenter.term}), or of the gates that own its
 * jobs, against the gates' ownership statements ({@code job.owner-stated}). Each record under a
 * fence is applied when a majority of its group has stated as high, held otherwise, and refused
 * ({@value FenceCheck#UNVERIFIED_FENCE}: counted, logged, dead-lettered) when none has in
 * {@value FenceCheck#WAIT_MILLIS} ms or {@value FenceCheck#MAX_WAITING} records wait already.
 * Not thread-safe: its reader calls it under its own lock.
 */
public final class FencedRecords {

    private final RecordInbox inbox;
    private final FenceCheck<Held> check;
    /** Who states a group's fences, for the log: "datacenter dc1's managers". */
    private final Function<String, String> stating;

    /** A record read and not applied yet. */
    public record Held(RecordInbox.Source source, byte[] value, Envelope envelope) {
    }

    /** Datacenters' fences, checked once a majority of a datacenter's managers has stated a term. */
    public FencedRecords(RecordInbox inbox) {
        this(inbox, new FenceCheck<>(), datacenter -> "datacenter " + datacenter + "'s managers");
    }

    private FencedRecords(RecordInbox inbox, FenceCheck<Held> check, Function<String, String> stating) {
        this.inbox = inbox;
        this.check = check;
        this.stating = stating;
    }

    /**
     * The gates' fences of jobs, by job id: a job's first owner's generation, 1, is applied as it
     * comes; a higher one only once a majority of the gates has stated it. At most {@code maxJobs}
     * jobs' statements are kept.
     */
    public static FencedRecords ofJobs(RecordInbox inbox, int maxJobs) {
        return new FencedRecords(inbox, FenceCheck.untilStated(1, maxJobs), job -> "the gates, for job " + job + ",");
    }

    /**
     * Takes a manager's statement of its term, in its own name.
     *
     * @return the records of its datacenter that may be applied now, in the order they were read
     */
    public List<Held> stated(Envelope envelope, Payload.TermStated stated) {
        return check.stated(stated.datacenter(), envelope.sender(), stated.term(), stated.managers());
    }

    /**
     * Takes a gate's statement of a job's ownership generation, in its own name.
     *
     * @return the job's records that may be applied now, in the order they were read
     */
    public List<Held> stated(Envelope envelope, Payload.OwnerStated stated) {
        return check.stated(envelope.jobId().toString(), envelope.sender(), stated.generation(), stated.gates());
    }

    /**
     * Hands {@code application} records released by a statement, in order. What it throws on one is
     * counted as {@value RecordInbox#UNAPPLICABLE} against that record, and the next is applied.
     */
    public void apply(List<Held> released, Consumer<Held> application) {
        for (Held held : released) {
            try {
                application.accept(held);
            } catch (RuntimeException e) {
                inbox.refuse(held.source(), held.value(), RecordInbox.UNAPPLICABLE, String.valueOf(e));
            }
        }
    }

    /**
     * Whether to apply a record of {@code group} (a datacenter's leader's, or a job's gate's) now;
     * when not, it is held or, with no room left to hold it, refused here.
     */
    public boolean admit(String group, RecordInbox.Source source, byte[] value, Envelope envelope,
            long nowMillis) {
        FenceCheck.Offer offer = check.offer(group, envelope.fence(), new Held(source, value, envelope), nowMillis);
        if (offer == FenceCheck.Offer.FULL) {
            inbox.refuse(source, value, FenceCheck.UNVERIFIED_FENCE,
                    FenceCheck.MAX_WAITING + " records wait for their fence already");
        }
        return offer == FenceCheck.Offer.APPLY;
    }

    /** Refuses the records that have waited too long. */
    public void expire(long nowMillis) {
        for (FenceCheck.Held<Held> expired : check.expired(nowMillis)) {
            Held held = expired.record();
            inbox.refuse(held.source(), held.value(), FenceCheck.UNVERIFIED_FENCE, "fence " + expired.fence()
                    + " from " + held.envelope().sender() + ", and no majority of " + stating.apply(expired.group())
                    + " has stated one that high in " + FenceCheck.WAIT_MILLIS / 1000
                    + " s (they state " + check.verified(expired.group()) + ")");
        }
    }

    /** The highest term (or generation) a majority of a group has stated; −1 before one has. */
    public long verified(String group) {
        return check.verified(group);
    }

    /** Forgets the groups {@code kept} does not keep (jobs that ended). */
    public void retain(Predicate<String> kept) {
        check.retain(kept);
    }
}
