package io.stampede.cluster.membership;

import io.stampede.cluster.coordinates.PeerCoordinates;
import io.stampede.cluster.coordinates.VivaldiConfig;
import io.stampede.cluster.membership.message.Message;
import io.stampede.cluster.membership.message.Update;
import io.stampede.cluster.membership.message.Wire;
import io.stampede.cluster.net.HostPort;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.random.RandomGenerator;

/**
 * SWIM with Lifeguard, as a state machine without I/O: it is handed messages and the time, and
 * hands back datagrams to send through {@link Outbox}. A driver calls {@link #receive} for each
 * datagram and {@link #tick} whenever {@link #nextDeadline} comes. Time is milliseconds on any
 * monotonic scale. Not thread-safe: one thread drives it.
 *
 * <p>Each period this node probes one member, round-robin over a shuffled list: a direct ping,
 * then, without an ack in time, ping-reqs through {@code k} others, who answer with a nack when
 * their own probe fails too. A probe with no ack by the period's end makes the member SUSPECT;
 * the suspicion's timeout shrinks as other members independently suspect it, and when it runs
 * out the member is DEAD. A member refutes a suspicion of itself by raising its incarnation.
 * Claims ride on every message, and a full-state sync runs at join and every sync interval.
 */
public final class Swim {

    /** Where the state machine's datagrams go. */
    public interface Outbox {
        void send(HostPort to, Message message);
    }

    /** Counts of protocol events, for metrics and simulations. */
    public record Stats(long probes, long failedProbes, long indirectProbes, long suspicions, long declaredDead,
            long refutations) {
    }

    private static final class Record {
        Member member;
        MemberState state;
        long incarnation;
        boolean confirmed;
        long since;
        long heardAt;
        int proactiveProbes;
        long suspicionStart;
        long suspicionDeadline;
        final Set<String> suspecters = new HashSet<>();

        Record(Member member, MemberState state, long incarnation, boolean confirmed, long now) {
            this.member = member;
            this.state = state;
            this.incarnation = incarnation;
            this.confirmed = confirmed;
            this.since = now;
            this.heardAt = now;
        }

        Update claim() {
            MemberState claimed = state == MemberState.UNCONFIRMED ? MemberState.ALIVE : state;
            String from = state == MemberState.SUSPECT && !suspecters.isEmpty() ? suspecters.iterator().next() : "";
            return new Update(member, claimed, incarnation, from);
        }

        boolean up() {
            return state == MemberState.ALIVE || state == MemberState.SUSPECT;
        }
    }

    /**
     * A probe in flight: either this period's round-robin probe, or a check this node makes of
     * its own before a suspicion it only heard about turns into a DEAD verdict.
     */
    private static final class Probe {
        final String target;
        final long seq;
        final long sentAt;
        final long ackDeadline;
        final boolean check;
        final long endsAt;
        boolean acked;
        boolean indirectSent;
        int nacksExpected;
        int nacks;

        Probe(String target, long seq, long sentAt, long ackDeadline, boolean check, long endsAt) {
            this.target = target;
            this.seq = seq;
            this.sentAt = sentAt;
            this.ackDeadline = ackDeadline;
            this.check = check;
            this.endsAt = endsAt;
        }
    }

    /** A probe this node runs on another's behalf. */
    private record Relay(HostPort requester, long requesterSeq, String target, long nackAt, long expiresAt) {
    }

    private final SwimConfig config;
    private final Member self;
    private final RandomGenerator random;
    private final Outbox outbox;
    private final MembershipListener listener;
    private final LocalHealth health = new LocalHealth();
    private final PeerCoordinates coordinates;
    private final Broadcasts broadcasts;
    private final Map<String, Record> members = new LinkedHashMap<>();
    private final Map<Long, Relay> relays = new HashMap<>();
    private final List<String> probeOrder = new ArrayList<>();
    private int probeIndex;
    private List<HostPort> seeds = List.of();
    /** Which absent seed the next anti-entropy round syncs with (round-robin, not random: see antiEntropy). */
    private int seedTurn;
    private long incarnation;
    private boolean left;
    private long nextSeq = 1;
    private final Map<Long, Probe> inFlight = new HashMap<>();
    private long roundSeq = -1;
    private long nextProbeAt;
    private long nextSyncAt;
    private long probes;
    private long failedProbes;
    private long indirectProbes;
    private long suspicions;
    private long declaredDead;
    private long refutations;

    /**
     * @param incarnation where this node's incarnation starts; a restarted node may start at 0 and
     *                    will raise it past whatever the cluster remembers of its earlier life
     */
    public Swim(SwimConfig config, Member self, long incarnation, RandomGenerator random, Outbox outbox,
            MembershipListener listener) {
        this.config = config;
        this.self = self;
        this.incarnation = incarnation;
        this.random = random;
        this.outbox = outbox;
        this.listener = listener;
        this.coordinates = new PeerCoordinates(VivaldiConfig.serf(), random);
        this.broadcasts = new Broadcasts(config.retransmitMultiplier());
    }

    /** Starts the protocol: asks every seed for its state, and schedules the first probe. */
    public void start(List<HostPort> seeds, long now) {
        this.seeds = seeds.stream().filter(seed -> !seed.equals(self.address())).toList();
        for (HostPort seed : this.seeds) {
            sendSync(seed, false, now);
        }
        // A random phase keeps nodes started together from probing in lockstep.
        nextProbeAt = now + random.nextLong(config.probeInterval().toMillis());
        nextSyncAt = now + config.syncInterval().toMillis();
    }

    /** Leaves gracefully: tells every live member, and stops probing. */
    public void leave(long now) {
        if (left) {
            return;
        }
        Update leaving = new Update(self, MemberState.LEFT, incarnation, self.id());
        left = true;
        inFlight.clear();
        for (Record record : members.values()) {
            if (record.up()) {
                outbox.send(record.member.address(), new Message.Sync(true, selfClaim(), List.of(leaving)));
            }
        }
    }

    // ----------------------------------------------------------------------------------------
    // Receiving

    /** Handles one message from the network. */
    public void receive(Message message, long now) {
        if (left || message.sender().id().equals(self.id())) {
            return;
        }
        Update sender = message.sender();
        contact(sender, now);
        for (Update claim : message.gossip()) {
            merge(claim, now);
        }
        if (message instanceof Message.Ping ping) {
            onPing(ping, now);
        } else if (message instanceof Message.Ack ack) {
            onAck(ack, now);
        } else if (message instanceof Message.PingReq request) {
            onPingReq(request, now);
        } else if (message instanceof Message.Nack nack) {
            Probe probe = inFlight.get(nack.seq());
            if (probe != null) {
                probe.nacks++;
            }
        } else if (message instanceof Message.Sync sync && !sync.reply()) {
            sendSync(sender.member().address(), true, now);
        }
    }

    private void onPing(Message.Ping ping, long now) {
        if (!ping.target().equals(self.id())) {
            return; // meant for whoever had this address before us
        }
        if (ping.coordinate() != null) {
            coordinates.heard(ping.sender().id(), ping.coordinate(), now);
        }
        Update sender = ping.sender();
        send(sender.member().address(), sender.id(),
                gossip -> new Message.Ack(ping.seq(), self.id(), selfClaim(), coordinates.coordinate(), gossip));
    }

    private void onAck(Message.Ack ack, long now) {
        Probe probe = inFlight.get(ack.seq());
        if (probe != null) {
            if (!probe.acked && ack.about().equals(probe.target)) {
                probe.acked = true;
                if (config.lifeguard()) {
                    health.probeSucceeded();
                }
                if (ack.coordinate() != null && ack.sender().id().equals(probe.target)) {
                    coordinates.measured(probe.target, ack.coordinate(), (now - probe.sentAt) / 1000.0, now);
                }
            }
            return;
        }
        Relay relay = relays.remove(ack.seq());
        if (relay != null && ack.sender().id().equals(relay.target())) {
            send(relay.requester(), "",
                    gossip -> new Message.Ack(relay.requesterSeq(), relay.target(), selfClaim(), null, gossip));
        }
    }

    private void onPingReq(Message.PingReq request, long now) {
        Member target = request.target().member();
        if (target.id().equals(self.id())) {
            return;
        }
        long seq = nextSeq++;
        long timeout = probeTimeout(target.id(), now);
        relays.put(seq, new Relay(request.sender().member().address(), request.seq(), target.id(),
                now + timeout * 4 / 5, now + 2 * period()));
        send(target.address(), target.id(),
                gossip -> new Message.Ping(seq, target.id(), selfClaim(), coordinates.coordinate(), gossip));
    }

    /** Direct contact: the sender is alive and confirmed, at the incarnation it claims. */
    private void contact(Update claim, long now) {
        Record record = members.get(claim.id());
        if (record == null) {
            record = new Record(claim.member(), MemberState.ALIVE, claim.incarnation(), true, now);
            members.put(claim.id(), record);
            broadcasts.add(claim);
            addToProbeOrder(claim.id());
            listener.changed(view(record), null);
            return;
        }
        record.heardAt = now;
        boolean newer = claim.incarnation() > record.incarnation;
        if (newer || (claim.incarnation() == record.incarnation && record.state == MemberState.UNCONFIRMED)) {
            record.confirmed = true;
            record.member = claim.member();
            setState(record, MemberState.ALIVE, claim.incarnation(), now);
            broadcasts.add(claim);
        } else if (claim.incarnation() == record.incarnation && record.state == MemberState.ALIVE) {
            record.confirmed = true;
        }
    }

    /** A claim heard second-hand. */
    private void merge(Update claim, long now) {
        if (claim.id().equals(self.id())) {
            aboutSelf(claim);
            return;
        }
        Record record = members.get(claim.id());
        if (record == null) {
            if (claim.state() == MemberState.ALIVE) {
                record = new Record(claim.member(), MemberState.UNCONFIRMED, claim.incarnation(), false, now);
                members.put(claim.id(), record);
                broadcasts.add(claim);
                addToProbeOrder(claim.id());
                listener.changed(view(record), null);
            }
            return; // suspicions and deaths of members never heard of are not ours to keep
        }
        if (claim.state() == MemberState.SUSPECT && record.state == MemberState.SUSPECT
                && claim.incarnation() == record.incarnation) {
            confirmSuspicion(record, claim, now);
            return;
        }
        MemberState incoming = claim.state() == MemberState.ALIVE && !record.confirmed
                ? MemberState.UNCONFIRMED : claim.state();
        if (!MemberStatus.supersedes(new MemberStatus(record.state, record.incarnation),
                new MemberStatus(incoming, claim.incarnation()))) {
            return;
        }
        if (claim.state() == MemberState.ALIVE) {
            record.member = claim.member();
        }
        if (incoming == MemberState.SUSPECT) {
            startSuspicion(record, claim.incarnation(), claim.from(), now);
        } else {
            setState(record, incoming, claim.incarnation(), now);
        }
        broadcasts.add(claim);
    }

    private void aboutSelf(Update claim) {
        if (left) {
            return;
        }
        boolean accused = claim.state() != MemberState.ALIVE && claim.incarnation() >= incarnation;
        boolean olderLife = claim.state() == MemberState.ALIVE && claim.incarnation() > incarnation;
        if (accused || olderLife) {
            incarnation = claim.incarnation() + 1;
            broadcasts.add(selfClaim());
            if (accused) {
                refutations++;
                if (config.lifeguard()) {
                    health.refuted();
                }
            }
        }
    }

    // ----------------------------------------------------------------------------------------
    // Time

    /** Runs whatever is due at {@code now}. */
    public void tick(long now) {
        if (left) {
            return;
        }
        expireRelays(now);
        for (Probe probe : List.copyOf(inFlight.values())) {
            if (!probe.acked && !probe.indirectSent && now >= probe.ackDeadline) {
                sendPingReqs(probe);
            }
            if (probe.check && now >= probe.endsAt) {
                finishCheck(probe, now);
            }
        }
        if (now >= nextProbeAt) {
            finishProbe(inFlight.remove(roundSeq), now);
            startProbe(now);
        }
        expireMembers(now);
        if (now >= nextSyncAt) {
            nextSyncAt = now + config.syncInterval().toMillis();
            antiEntropy(now);
            coordinates.cleanup(now);
        }
    }

    /** When {@link #tick} next has something to do. */
    public long nextDeadline() {
        long next = Math.min(nextProbeAt, nextSyncAt);
        for (Probe probe : inFlight.values()) {
            if (!probe.acked && !probe.indirectSent) {
                next = Math.min(next, probe.ackDeadline);
            }
            if (probe.check) {
                next = Math.min(next, probe.endsAt);
            }
        }
        for (Relay relay : relays.values()) {
            next = Math.min(next, relay.nackAt() >= 0 ? relay.nackAt() : relay.expiresAt());
        }
        for (Record record : members.values()) {
            if (record.state == MemberState.SUSPECT) {
                next = Math.min(next, record.suspicionDeadline);
            } else if (record.state == MemberState.UNCONFIRMED) {
                next = Math.min(next, record.since + SwimConfig.unconfirmedTimeout(record.member.role()).toMillis());
            } else if (record.state == MemberState.DEAD || record.state == MemberState.LEFT) {
                next = Math.min(next, record.since + config.deadRetention().toMillis());
            }
        }
        return next;
    }

    private void expireRelays(long now) {
        Iterator<Map.Entry<Long, Relay>> iterator = relays.entrySet().iterator();
        List<Relay> nacks = new ArrayList<>();
        while (iterator.hasNext()) {
            Map.Entry<Long, Relay> entry = iterator.next();
            Relay relay = entry.getValue();
            if (now >= relay.expiresAt()) {
                iterator.remove();
            } else if (relay.nackAt() >= 0 && now >= relay.nackAt()) {
                entry.setValue(new Relay(relay.requester(), relay.requesterSeq(), relay.target(), -1,
                        relay.expiresAt()));
                nacks.add(relay);
            }
        }
        if (config.lifeguard()) {
            for (Relay relay : nacks) {
                send(relay.requester(), "", gossip -> new Message.Nack(relay.requesterSeq(), selfClaim(), gossip));
            }
        }
    }

    private void startProbe(long now) {
        nextProbeAt = now + period();
        Record target = nextTarget();
        if (target == null) {
            roundSeq = -1;
            return;
        }
        if (target.state == MemberState.UNCONFIRMED) {
            target.proactiveProbes++;
        }
        probes++;
        roundSeq = ping(target, false, now).seq;
    }

    private Probe ping(Record target, boolean check, long now) {
        long seq = nextSeq++;
        String id = target.member.id();
        Probe probe = new Probe(id, seq, now, now + probeTimeout(id, now), check, now + period());
        inFlight.put(seq, probe);
        send(target.member.address(), id,
                gossip -> new Message.Ping(seq, id, selfClaim(), coordinates.coordinate(), gossip));
        return probe;
    }

    private void sendPingReqs(Probe probe) {
        probe.indirectSent = true;
        Record target = members.get(probe.target);
        if (target == null || !target.confirmed) {
            return;
        }
        List<Record> helpers = new ArrayList<>();
        for (Record record : members.values()) {
            if (record.state == MemberState.ALIVE && record.confirmed && !record.member.id().equals(probe.target)) {
                helpers.add(record);
            }
        }
        Collections.shuffle(helpers, new java.util.Random(random.nextLong()));
        Update about = Update.alive(target.member, target.incarnation);
        long seq = probe.seq;
        // The last check before a DEAD verdict asks twice as many members: a false verdict costs
        // far more than a few datagrams.
        int wanted = probe.check ? 2 * config.indirectChecks() : config.indirectChecks();
        for (Record helper : helpers.subList(0, Math.min(wanted, helpers.size()))) {
            send(helper.member.address(), helper.member.id(),
                    gossip -> new Message.PingReq(seq, about, selfClaim(), gossip));
            probe.nacksExpected++;
        }
        if (probe.nacksExpected > 0) {
            indirectProbes++;
        }
    }

    /**
     * Ends the last check of a suspect whose suspicion ran out: answered, the suspicion starts
     * over (the member is reachable and refutes once it hears); unanswered, it is DEAD.
     */
    private void finishCheck(Probe probe, long now) {
        inFlight.remove(probe.seq);
        Record record = members.get(probe.target);
        if (record == null || record.state != MemberState.SUSPECT) {
            return;
        }
        if (probe.acked) {
            record.suspicionStart = now;
            record.suspicionDeadline = now + suspicionTimeout(record);
        } else {
            declareDead(record, now);
        }
    }

    private void finishProbe(Probe finished, long now) {
        if (finished == null || finished.acked) {
            return;
        }
        Record target = members.get(finished.target);
        if (target == null || !target.confirmed) {
            return; // an unconfirmed member's silence says nothing
        }
        failedProbes++;
        if (config.lifeguard()) {
            if (finished.nacksExpected == 0) {
                health.missedAck();
            }
            for (int i = finished.nacks; i < finished.nacksExpected; i++) {
                health.missedNack();
            }
        }
        if (target.state == MemberState.ALIVE) {
            startSuspicion(target, target.incarnation, self.id(), now);
            broadcasts.add(new Update(target.member, MemberState.SUSPECT, target.incarnation, self.id()));
        }
    }

    private Record nextTarget() {
        for (int pass = 0; pass < 2; pass++) {
            while (probeIndex < probeOrder.size()) {
                Record record = members.get(probeOrder.get(probeIndex++));
                if (record != null && probeable(record)) {
                    return record;
                }
            }
            probeOrder.clear();
            for (Record record : members.values()) {
                if (probeable(record)) {
                    probeOrder.add(record.member.id());
                }
            }
            Collections.shuffle(probeOrder, new java.util.Random(random.nextLong()));
            probeIndex = 0;
        }
        return null;
    }

    private boolean probeable(Record record) {
        if (record.up()) {
            return true;
        }
        return record.state == MemberState.UNCONFIRMED
                && record.proactiveProbes < SwimConfig.proactiveProbes(self.role(), record.member.role());
    }

    /** A newcomer joins the round-robin at a random place, as in SWIM, so it is probed this round. */
    private void addToProbeOrder(String id) {
        int at = probeIndex + random.nextInt(probeOrder.size() - probeIndex + 1);
        probeOrder.add(at, id);
    }

    private void expireMembers(long now) {
        List<Record> dead = new ArrayList<>();
        List<Record> gone = new ArrayList<>();
        for (Record record : members.values()) {
            if (record.state == MemberState.SUSPECT && now >= record.suspicionDeadline) {
                dead.add(record);
            } else if (record.state == MemberState.UNCONFIRMED
                    && now - record.since >= SwimConfig.unconfirmedTimeout(record.member.role()).toMillis()) {
                gone.add(record);
            } else if ((record.state == MemberState.DEAD || record.state == MemberState.LEFT)
                    && now - record.since >= config.deadRetention().toMillis()) {
                gone.add(record);
            }
        }
        for (Record record : dead) {
            if (!config.lifeguard()) {
                declareDead(record, now);
            } else {
                // The refutation may simply have missed this node. Check once more, carrying the
                // accusation so that a live member refutes in its ack, before declaring it DEAD.
                record.suspicionDeadline = Long.MAX_VALUE;
                ping(record, true, now);
            }
        }
        for (Record record : gone) {
            members.remove(record.member.id());
            coordinates.forget(record.member.id());
            listener.removed(view(record));
        }
    }

    /**
     * Anti-entropy: a full-state sync with one live member, or with the seeds while none is
     * known; one with a DEAD member, so that the two sides of a healed partition find each other
     * again; and one with the next seed in turn that is not a live member, so that a seed that left
     * and came back knowing nobody (a datacenter's only manager, restarted, whose workers still
     * have each other) is found again.
     */
    private void antiEntropy(long now) {
        List<Record> live = new ArrayList<>();
        List<Record> dead = new ArrayList<>();
        for (Record record : members.values()) {
            if (record.up() && record.confirmed) {
                live.add(record);
            } else if (record.state == MemberState.DEAD) {
                dead.add(record);
            }
        }
        if (live.isEmpty()) {
            for (HostPort seed : seeds) {
                sendSync(seed, false, now);
            }
        } else {
            sendSync(live.get(random.nextInt(live.size())).member.address(), false, now);
            List<HostPort> absent = seeds.stream().filter(seed -> live.stream()
                    .noneMatch(record -> record.member.address().equals(seed))).toList();
            if (!absent.isEmpty()) {
                sendSync(absent.get(seedTurn++ % absent.size()), false, now);
            }
        }
        if (!dead.isEmpty()) {
            sendSync(dead.get(random.nextInt(dead.size())).member.address(), false, now);
        }
    }

    // ----------------------------------------------------------------------------------------
    // Suspicion

    private void declareDead(Record record, long now) {
        setState(record, MemberState.DEAD, record.incarnation, now);
        broadcasts.add(new Update(record.member, MemberState.DEAD, record.incarnation, self.id()));
    }

    private void startSuspicion(Record record, long incarnation, String suspecter, long now) {
        record.suspecters.clear();
        record.suspecters.add(suspecter);
        record.suspicionStart = now;
        setState(record, MemberState.SUSPECT, incarnation, now);
        record.suspicionDeadline = now + suspicionTimeout(record);
        suspicions++;
    }

    private void confirmSuspicion(Record record, Update claim, long now) {
        if (claim.from().isEmpty() || !record.suspecters.add(claim.from())) {
            return;
        }
        record.suspicionDeadline = record.suspicionStart + suspicionTimeout(record);
        broadcasts.add(claim);
    }

    private long suspicionTimeout(Record record) {
        if (!config.lifeguard()) {
            return config.suspicionFloor().toMillis();
        }
        int others = 0;
        for (Record other : members.values()) {
            if (other != record && other.up() && other.confirmed) {
                others++;
            }
        }
        return Suspicion.timeout(record.suspecters.size() - 1, others, config.suspicionFloor(),
                config.suspicionCeiling()).toMillis();
    }

    // ----------------------------------------------------------------------------------------
    // Sending

    private void sendSync(HostPort to, boolean reply, long now) {
        List<Update> state = new ArrayList<>();
        state.add(selfClaim());
        for (Record record : members.values()) {
            state.add(record.claim());
        }
        int room = config.maxDatagram() - SwimConfig.FRAME_RESERVE
                - Wire.sizeOf(new Message.Sync(reply, selfClaim(), List.of()));
        List<Update> chunk = new ArrayList<>();
        int used = 0;
        for (Update update : state) {
            int size = Wire.sizeOf(update);
            if (used + size > room && !chunk.isEmpty()) {
                outbox.send(to, new Message.Sync(reply, selfClaim(), chunk));
                chunk = new ArrayList<>();
                used = 0;
            }
            chunk.add(update);
            used += size;
        }
        outbox.send(to, new Message.Sync(reply, selfClaim(), chunk));
    }

    /**
     * Sends a message with as much gossip as fits. A receiver this node thinks is suspect, dead
     * or gone is first told so, whatever the queue holds, so that it can refute.
     */
    private void send(HostPort to, String receiver, Function<List<Update>, Message> build) {
        int room = config.maxDatagram() - SwimConfig.FRAME_RESERVE - Wire.sizeOf(build.apply(List.of()));
        List<Update> gossip = new ArrayList<>();
        Record about = members.get(receiver);
        if (about != null && about.state != MemberState.ALIVE && about.state != MemberState.UNCONFIRMED) {
            Update accusation = about.claim();
            gossip.add(accusation);
            room -= Wire.sizeOf(accusation);
        }
        gossip.addAll(broadcasts.take(room, members.size() + 1, receiver));
        outbox.send(to, build.apply(gossip));
    }

    // ----------------------------------------------------------------------------------------
    // State

    private void setState(Record record, MemberState state, long incarnation, long now) {
        MemberState previous = record.state;
        boolean changed = previous != state;
        record.state = state;
        record.incarnation = incarnation;
        if (changed) {
            record.since = now;
            if (state != MemberState.SUSPECT) {
                record.suspecters.clear();
            }
            if (state == MemberState.DEAD) {
                declaredDead++;
            }
            if (state == MemberState.DEAD || state == MemberState.LEFT) {
                coordinates.forget(record.member.id());
            }
            listener.changed(view(record), previous);
        }
    }

    private Update selfClaim() {
        return Update.alive(self, incarnation);
    }

    private long period() {
        long interval = config.probeInterval().toMillis();
        return config.lifeguard() ? interval * health.multiplier() : interval;
    }

    /**
     * The wait for a direct ack: base × local health × clamp(RTT upper bound / 10 ms, 1, 10) ×
     * (1 + (1 − quality) / 2), never more than half the period so that indirect probes still have
     * time. A peer without a coordinate yet counts as nearby with quality 0.
     */
    long probeTimeout(String peer, long now) {
        double timeout = config.probeTimeout().toMillis();
        if (config.lifeguard()) {
            timeout *= health.multiplier();
        }
        if (coordinates.estimatedRtt(peer).isPresent()) {
            timeout *= Math.max(1, Math.min(10, coordinates.rttUpperBound(peer) / 0.010));
        }
        timeout *= 1 + (1 - coordinates.quality(peer, now)) / 2;
        return Math.max(1, Math.min((long) timeout, period() / 2));
    }

    private MemberView view(Record record) {
        Double rtt = coordinates.estimatedRtt(record.member.id()).map(seconds -> seconds * 1000).orElse(null);
        Member member = record.member;
        return new MemberView(member.id(), member.address(), member.role(), member.datacenter(), record.state,
                record.incarnation, rtt);
    }

    // ----------------------------------------------------------------------------------------
    // Reading

    /** This node and every member it knows, this node first. */
    public List<MemberView> members() {
        List<MemberView> views = new ArrayList<>(members.size() + 1);
        views.add(new MemberView(self.id(), self.address(), self.role(), self.datacenter(),
                left ? MemberState.LEFT : MemberState.ALIVE, incarnation, 0.0));
        for (Record record : members.values()) {
            views.add(view(record));
        }
        return views;
    }

    /** What this node believes about {@code id}, if it knows it. */
    public java.util.Optional<MemberView> member(String id) {
        Record record = members.get(id);
        return record == null ? java.util.Optional.empty() : java.util.Optional.of(view(record));
    }

    public Member self() {
        return self;
    }

    public long incarnation() {
        return incarnation;
    }

    /** The local health score, 0..8. */
    public int localHealth() {
        return health.score();
    }

    public PeerCoordinates coordinates() {
        return coordinates;
    }

    public Stats stats() {
        return new Stats(probes, failedProbes, indirectProbes, suspicions, declaredDead, refutations);
    }
}
