package io.stampede.gate.jobs;

/**
 * Something that happened to a job, on its timeline: a change of status, of a datacenter's status
 * or leading manager, of the gate that owns it, of a datacenter's backpressure, a stop asked for,
 * or what a datacenter's manager reported (a lost worker, a share run again).
 *
 * @param atMillis   when, epoch ms: when the gate saw it, or for a datacenter's incident when its
 *                   manager decided it
 * @param kind       {@code status}, {@code datacenter}, {@code leader}, {@code owner},
 *                   {@code backpressure}, {@code stopping}, {@code worker-lost}, {@code re-run},
 *                   {@code left-out}
 * @param datacenter the datacenter it happened in, or empty for the whole job
 * @param workflow   the workflow it happened to, or empty
 * @param detail     what happened, in words
 */
public record JobEvent(long atMillis, String kind, String datacenter, String workflow, String detail) {
}
