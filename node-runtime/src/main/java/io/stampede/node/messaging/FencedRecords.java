package io.stampede.node.messaging;

import java.util.List;
import java.util.function.Consumer;

import io.stampede.cluster.leadership.FenceCheck;
import io.stampede.model.wire.Envelope;
import io.stampede.model.wire.Payload;

/**
 * A consumer's check of the fences its datacenters' leaders write under ({@link FenceCheck}): the
 * managers' term statements ({@code datacenter.term}) are taken, each record under a fence is
 * applied when a majority of its datacenter's managers has stated a term as high, held otherwise,
 * and refused ({@value FenceCheck#UNVERIFIED_FENCE}: counted, logged, dead-lettered) when none has
 * in {@value FenceCheck#WAIT_MILLIS} ms or {@value FenceCheck#MAX_WAITING} records wait already.
 * Not thread-safe: its reader calls it under its own lock.
 */
public final class FencedRecords {

    private final RecordInbox inbox;
    private final FenceCheck<Held> check = new FenceCheck<>();

    /** A record read and not applied yet. */
    public record Held(RecordInbox.Source source, byte[] value, Envelope envelope) {
    }

    public FencedRecords(RecordInbox inbox) {
        this.inbox = inbox;
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
     * Whether to apply a record of {@code datacenter}'s leader now; when not, it is held or, with no
     * room left to hold it, refused here.
     */
    public boolean admit(String datacenter, RecordInbox.Source source, byte[] value, Envelope envelope,
            long nowMillis) {
        FenceCheck.Offer offer = check.offer(datacenter, envelope.fence(), new Held(source, value, envelope), nowMillis);
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
                    + " from " + held.envelope().sender() + ", and no majority of datacenter " + expired.group()
                    + "'s managers has stated a term that high in " + FenceCheck.WAIT_MILLIS / 1000
                    + " s (they state " + check.verified(expired.group()) + ")");
        }
    }

    /** The highest term a majority of a datacenter's managers has stated; −1 before one has. */
    public long verified(String datacenter) {
        return check.verified(datacenter);
    }
}
