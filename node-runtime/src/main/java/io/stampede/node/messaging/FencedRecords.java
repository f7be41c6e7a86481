package io.stampede.node.messaging;

import java.util.List;
import java.util.function.Consumer;

import io.stampede.cluster.leadership.FenceCheck;
import io.stampede.model.wire.Capabilities;
import io.stampede.model.wire.Envelope;
import io.stampede.model.wire.Payload;

/**
 * A consumer's check of the fences its datacenters' leaders write under ({@link FenceCheck}): the
 * managers' term statements ({@code datacenter.term}) are taken, each record under a fence is
 * applied when a majority of its datacenter's managers has stated a term as high, held otherwise,
 * and refused ({@value FenceCheck#UNVERIFIED_FENCE}: counted, logged, dead-lettered) when none has
 * in {@value FenceCheck#WAIT_MILLIS} ms, or at once when {@value FenceCheck#MAX_WAITING} records or
 * {@value #MAX_HELD_BYTES} bytes of them wait already. Not thread-safe: its reader calls it under
 * its own lock.
 */
public final class FencedRecords {

    /** At most this many bytes of records wait for their fence (64 MiB); one more is refused at once. */
    public static final long MAX_HELD_BYTES = 64L << 20;

    private final RecordInbox inbox;
    private final FenceCheck<Held> check;
    /** The bytes of the records that wait. */
    private long heldBytes;

    /** A record read and not applied yet. */
    public record Held(RecordInbox.Source source, byte[] value, Envelope envelope) {
    }

    /**
     * A check on what {@code inbox} reads. When its node's minimum protocol guarantees that every
     * manager states its term to every reader, a datacenter whose managers fall silent stays checked.
     */
    public FencedRecords(RecordInbox inbox) {
        this.inbox = inbox;
        this.check = new FenceCheck<>(inbox.guaranteed(Capabilities.TERM_STATEMENTS));
    }

    /**
     * Takes a manager's statement of its term, in its own name.
     *
     * @return the records of its datacenter that may be applied now, in the order they were read
     */
    public List<Held> stated(Envelope envelope, Payload.TermStated stated, long nowMillis) {
        return released(check.stated(stated.datacenter(), envelope.sender(), stated.term(), stated.managers(),
                nowMillis));
    }

    private List<Held> released(List<Held> records) {
        records.forEach(held -> heldBytes -= held.value().length);
        return records;
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
        if (!check.holds(datacenter, envelope.fence(), nowMillis)) {
            return true;
        }
        if (heldBytes + value.length > MAX_HELD_BYTES) {
            inbox.refuse(source, value, FenceCheck.UNVERIFIED_FENCE,
                    (MAX_HELD_BYTES >> 20) + " MiB of records wait for their fence already");
            return false;
        }
        FenceCheck.Offer offer = check.offer(datacenter, envelope.fence(), new Held(source, value, envelope), nowMillis);
        if (offer == FenceCheck.Offer.FULL) {
            inbox.refuse(source, value, FenceCheck.UNVERIFIED_FENCE,
                    FenceCheck.MAX_WAITING + " records wait for their fence already");
        } else if (offer == FenceCheck.Offer.HELD) {
            heldBytes += value.length;
        }
        return offer == FenceCheck.Offer.APPLY;
    }

    /**
     * Refuses the records that have waited too long.
     *
     * @return the waiting records of datacenters whose managers have stopped stating their terms
     *         here, to apply now, in the order they were read
     */
    public List<Held> expire(long nowMillis) {
        FenceCheck.Expiry<Held> expiry = check.expire(nowMillis);
        for (FenceCheck.Held<Held> expired : expiry.refuse()) {
            Held held = expired.record();
            heldBytes -= held.value().length;
            inbox.refuse(held.source(), held.value(), FenceCheck.UNVERIFIED_FENCE, "fence " + expired.fence()
                    + " from " + held.envelope().sender() + ", and no majority of datacenter " + expired.group()
                    + "'s managers has stated a term that high in " + FenceCheck.WAIT_MILLIS / 1000
                    + " s (they state " + check.verified(expired.group()) + ")");
        }
        return released(expiry.apply());
    }

    /** The highest term a majority of a datacenter's managers has stated; −1 before one has. */
    public long verified(String datacenter) {
        return check.verified(datacenter);
    }
}
