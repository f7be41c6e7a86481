package io.stampede.cluster.overload;

import java.time.Duration;

/**
 * Extra time for one long, slow share (AD-26): the n-th grant (from 0) is
 * {@code max(1 s, 30 s / 2^(n+1))} (15, 7.5, 3.75 s …), at most {@code maxGrants} of them, and
 * only while the share makes progress: a request whose progress is not above the last granted
 * one's is denied. Pure and immutable: each decision returns the next state.
 *
 * @param grants        grants so far
 * @param lastProgress  the progress (0..1) at the last grant, 0 before any (a share that has done
 *                      nothing yet is not granted time)
 * @param granted       all time granted so far
 */
public record ExtensionGrants(int grants, double lastProgress, Duration granted) {

    /** The reference's limit on grants per share. */
    public static final int MAX_GRANTS = 5;
    static final Duration FIRST = Duration.ofSeconds(15);
    static final Duration FLOOR = Duration.ofSeconds(1);

    public static ExtensionGrants none() {
        return new ExtensionGrants(0, 0, Duration.ZERO);
    }

    /** The answer to one request. */
    public sealed interface Decision {
        ExtensionGrants after();
    }

    public record Granted(Duration extra, ExtensionGrants after) implements Decision {
    }

    public record Denied(String reason, ExtensionGrants after) implements Decision {
    }

    /** The size of grant {@code n} (from 0). */
    public static Duration grant(int n) {
        Duration halved = FIRST.dividedBy(1L << Math.min(n, 30));
        return halved.compareTo(FLOOR) < 0 ? FLOOR : halved;
    }

    /** A request with the share's progress now (0..1). */
    public Decision request(double progress) {
        if (grants >= MAX_GRANTS) {
            return new Denied("all " + MAX_GRANTS + " extensions were granted already", this);
        }
        if (!(progress > lastProgress)) {
            return new Denied(grants == 0 ? "no progress yet"
                    : "no progress since the last extension (" + Math.round(lastProgress * 100) + "%)", this);
        }
        Duration extra = grant(grants);
        return new Granted(extra, new ExtensionGrants(grants + 1, progress, granted.plus(extra)));
    }
}
