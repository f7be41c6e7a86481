package io.stampede.model.load;

/**
 * The extra time a datacenter's manager granted its slow shares (each asked with its progress and
 * the time it expects to need): the job's timeout there is {@code extraMillis} later.
 *
 * @param granted     grants made
 * @param denied      requests denied (no progress since the last grant, or every grant used)
 * @param extraMillis how much later the job times out because of them
 * @param lastDenial  why the last request was denied, or empty
 */
public record Extensions(int granted, int denied, long extraMillis, String lastDenial) {

    public static final Extensions NONE = new Extensions(0, 0, 0, "");

    public Extensions {
        lastDenial = lastDenial == null ? "" : lastDenial;
    }

    public static Extensions orNone(Extensions extensions) {
        return extensions == null ? NONE : extensions;
    }
}
