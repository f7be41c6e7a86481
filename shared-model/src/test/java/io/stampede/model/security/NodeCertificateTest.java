package io.stampede.model.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.stampede.model.JobId;
import io.stampede.model.NodeRole;
import io.stampede.model.Topics;
import io.stampede.model.wire.Envelope;
import io.stampede.model.wire.Payload;
import io.stampede.model.wire.RecordCodec;
import io.stampede.model.wire.Subject;

/** Records signed by a node's own key, certified by its role: checked to be the named sender's. */
class NodeCertificateTest {

    private static final Map<NodeRole, List<String>> KEYS = RecordRoles.generate();
    private static final List<String> PUBLIC = RecordRoles.publicEntries(KEYS);
    private static final RecordSigning CLUSTER = RecordSigning.of("a-record-key-of-32-characters-00", Optional.empty());
    private static final RecordSigning CHECKER = CLUSTER.withRoles(RecordRoles.of(PUBLIC, Optional.empty(),
            Optional.empty()));
    private static final String DISPATCH = Topics.dispatch("dc1");

    private static RecordSigning node(NodeRole role, String id) {
        NodeCertificate.Issued issued = NodeCertificate.issue(role, id, role == NodeRole.GATE ? "" : "dc1", KEYS.get(role).get(0));
        return CLUSTER.withRoles(RecordRoles.ofNode(PUBLIC, issued.certificate(), issued.privateKey()));
    }

    /** A manager's cancel of one worker's share, in {@code sender}'s name. */
    private static byte[] cancel(String sender) {
        return RecordCodec.encode(Envelope.of(Subject.job(JobId.of("job-1")), sender, 3, 1, 1L,
                new Payload.WorkflowCancelRequested("w", "worker-dc1-1", 0)));
    }

    private static Optional<RecordSigning.Refusal> check(String topic, byte[] value, Map<String, byte[]> headers) {
        return CHECKER.check(topic, "job-1", value, headers::get);
    }

    @Test
    void aNodeSigningWithItsOwnCertifiedKeyIsHeardInItsOwnNameOnly() {
        RecordSigning manager = node(NodeRole.MANAGER, "manager-dc1-1");
        byte[] own = cancel("manager-dc1-1");
        Map<String, byte[]> headers = manager.headers(DISPATCH, "job-1", own);
        assertThat(headers).containsKey(RecordRoles.CERTIFICATE_HEADER);
        assertThat(new String(headers.get(RecordRoles.ROLE_HEADER), StandardCharsets.UTF_8)).isEqualTo("manager");
        assertThat(check(DISPATCH, own, headers)).isEmpty();
        // Twice: the second time the certificate is one already checked.
        assertThat(check(DISPATCH, own, headers)).isEmpty();

        byte[] other = cancel("manager-dc1-2");
        assertThat(check(DISPATCH, other, manager.headers(DISPATCH, "job-1", other)))
                .as("in the name of another manager").contains(RecordSigning.Refusal.UNKNOWN_SENDER);
        byte[] unknown = cancel("intruder");
        assertThat(check(DISPATCH, unknown, manager.headers(DISPATCH, "job-1", unknown)))
                .as("in the name of no node").contains(RecordSigning.Refusal.UNKNOWN_SENDER);
        byte[] none = "{\"type\":\"workflow.cancel-requested\",\"sender\":7}".getBytes(StandardCharsets.UTF_8);
        assertThat(check(DISPATCH, none, manager.headers(DISPATCH, "job-1", none)))
                .as("naming no sender: left to its reader").isEmpty();
        assertThat(RecordCodec.decode(none)).as("which refuses it").isInstanceOf(RecordCodec.Rejected.class);
        byte[] twice = new String(own, StandardCharsets.UTF_8).replaceFirst("\\}$", ",\"sender\":\"manager-dc1-2\"}")
                .getBytes(StandardCharsets.UTF_8);
        assertThat(RecordCodec.sender(twice)).as("the last one, as a reader decodes it").contains("manager-dc1-2");
        assertThat(check(DISPATCH, twice, manager.headers(DISPATCH, "job-1", twice)))
                .as("its own name first, another's last").contains(RecordSigning.Refusal.UNKNOWN_SENDER);
    }

    @Test
    void aNodeWritesItsOwnRolesTypesOnlyOnItsOwnTopic() {
        RecordSigning manager = node(NodeRole.MANAGER, "manager-dc1-1");
        byte[] gates = RecordCodec.encode(Envelope.of(Subject.job(JobId.of("job-1")), "manager-dc1-1", 3, 1, 1L,
                new Payload.JobCancelRequested("a gate's record")));
        assertThat(check(DISPATCH, gates, manager.headers(DISPATCH, "job-1", gates)))
                .as("a gate's cancel on the dispatch topic, in the manager's own name").contains(
                        RecordSigning.Refusal.WRONG_ROLE);
    }

    @Test
    void aCertificateIsTheRolesOnlyWhenTheRolesKeySignedItAndTheRecordOnlyWhenItsKeyDid() {
        RecordSigning worker = node(NodeRole.WORKER, "manager-dc1-1");
        byte[] value = cancel("manager-dc1-1");
        Map<String, byte[]> claimed = new HashMap<>(worker.headers(DISPATCH, "job-1", value));
        assertThat(check(DISPATCH, value, claimed)).as("a worker's certificate on a dispatch")
                .contains(RecordSigning.Refusal.WRONG_ROLE);
        claimed.put(RecordRoles.ROLE_HEADER, "manager".getBytes(StandardCharsets.UTF_8));
        assertThat(check(DISPATCH, value, claimed)).as("a worker's certificate under the managers' name")
                .contains(RecordSigning.Refusal.FORGED);

        // A certificate made with a key that is not the role's, however well formed.
        Map<NodeRole, List<String>> other = RecordRoles.generate();
        NodeCertificate.Issued selfMade = NodeCertificate.issue(NodeRole.MANAGER, "manager-dc1-1", "dc1",
                other.get(NodeRole.MANAGER).get(0));
        RecordSigning self = CLUSTER.withRoles(RecordRoles.ofNode(RecordRoles.publicEntries(other),
                selfMade.certificate(), selfMade.privateKey()));
        assertThat(check(DISPATCH, value, self.headers(DISPATCH, "job-1", value))).contains(RecordSigning.Refusal.FORGED);

        // A real certificate beside a signature of another key.
        RecordSigning manager = node(NodeRole.MANAGER, "manager-dc1-1");
        Map<String, byte[]> swapped = new HashMap<>(manager.headers(DISPATCH, "job-1", value));
        swapped.put(RecordRoles.CERTIFICATE_HEADER, node(NodeRole.MANAGER, "manager-dc1-1").headers(DISPATCH, "job-1",
                value).get(RecordRoles.CERTIFICATE_HEADER));
        assertThat(check(DISPATCH, value, swapped)).as("another certificate of the same node")
                .contains(RecordSigning.Refusal.FORGED);
        swapped.put(RecordRoles.CERTIFICATE_HEADER, "manager:manager-dc1-1:bm90:bm90".getBytes(StandardCharsets.UTF_8));
        assertThat(check(DISPATCH, value, swapped)).contains(RecordSigning.Refusal.FORGED);
        swapped.put(RecordRoles.CERTIFICATE_HEADER, new byte[NodeCertificate.MAX_TEXT + 1]);
        assertThat(check(DISPATCH, value, swapped)).contains(RecordSigning.Refusal.FORGED);
    }

    @Test
    void aRecordSignedWithTheRolesOwnKeyStillNeedsNoCertificate() {
        RecordSigning role = CLUSTER.withRoles(RecordRoles.of(PUBLIC, Optional.of(NodeRole.MANAGER),
                Optional.of(KEYS.get(NodeRole.MANAGER).get(0))));
        byte[] value = cancel("anyone");
        Map<String, byte[]> headers = role.headers(DISPATCH, "job-1", value);
        assertThat(headers).doesNotContainKey(RecordRoles.CERTIFICATE_HEADER);
        assertThat(check(DISPATCH, value, headers)).as("whoever holds the role's private key speaks for the role")
                .isEmpty();
    }

    @Test
    void aNodeIsGivenOnlyACertificateOfItsRolesKeyAndTheKeyOfItsCertificate() {
        NodeCertificate.Issued issued = NodeCertificate.issue(NodeRole.WORKER, "worker-dc1-1", "dc1",
                KEYS.get(NodeRole.WORKER).get(0));
        assertThat(NodeCertificate.parse(issued.certificate()).id()).isEqualTo("worker-dc1-1");
        assertThat(issued.toString()).isEqualTo("Issued[worker:worker-dc1-1]").doesNotContain(issued.privateKey());
        assertThat(RecordRoles.ofNode(PUBLIC, issued.certificate(), issued.privateKey()).toString())
                .isEqualTo("RecordRoles[worker worker-dc1-1]");

        NodeCertificate.Issued another = NodeCertificate.issue(NodeRole.WORKER, "worker-dc1-1", "dc1",
                KEYS.get(NodeRole.WORKER).get(0));
        assertThatThrownBy(() -> RecordRoles.ofNode(PUBLIC, issued.certificate(), another.privateKey()))
                .hasMessage("is not the private key of the certificate's public key")
                .hasMessageNotContaining(another.privateKey());
        NodeCertificate.Issued byManagers = NodeCertificate.issue(NodeRole.WORKER, "worker-dc1-1", "dc1",
                KEYS.get(NodeRole.MANAGER).get(0));
        assertThatThrownBy(() -> RecordRoles.ofNode(PUBLIC, byManagers.certificate(), byManagers.privateKey()))
                .hasMessage("is not signed by the workers' key: it does not verify with the worker's public key");
        assertThatThrownBy(() -> RecordRoles.ofNode(PUBLIC, "worker:worker-dc1-1", issued.privateKey()))
                .hasMessage("not a node certificate (role:id:datacenter:public key:signature)");
        assertThatThrownBy(() -> NodeCertificate.issue(NodeRole.WORKER, "a:b", "dc1", KEYS.get(NodeRole.WORKER).get(0)))
                .hasMessageStartingWith("'a:b' is not a node id");
        assertThatThrownBy(() -> NodeCertificate.issue(NodeRole.WORKER, "worker-1", "dc1", "not a key"))
                .hasMessage("is not an Ed25519 private key (base64 of its PKCS#8 form)");
    }

    /** dc1's part of job-1 ended, in {@code sender}'s name, as a manager reports it on the events topic. */
    private static byte[] finished(String sender, String datacenter) {
        return RecordCodec.encode(Envelope.of(Subject.job(JobId.of("job-1")), sender, 3, 1, 1L,
                new Payload.DatacenterFinished(datacenter, io.stampede.model.lifecycle.DatacenterJobStatus.COMPLETED, Map.of(),
                        Map.of(), Map.of())));
    }

    @Test
    void aCertificateThatNamesADatacenterSpeaksForThatDatacenterOnly() {
        RecordSigning manager = node(NodeRole.MANAGER, "manager-dc1-1");
        byte[] own = cancel("manager-dc1-1");
        assertThat(check(DISPATCH, own, manager.headers(DISPATCH, "job-1", own))).isEmpty();
        String elsewhere = Topics.dispatch("dc2");
        assertThat(check(elsewhere, own, manager.headers(elsewhere, "job-1", own))).as("on dc2's dispatch topic")
                .contains(RecordSigning.Refusal.OTHER_DATACENTER);

        byte[] dc1 = finished("manager-dc1-1", "dc1");
        assertThat(check(Topics.JOB_EVENTS, dc1, manager.headers(Topics.JOB_EVENTS, "job-1", dc1))).isEmpty();
        byte[] dc2 = finished("manager-dc1-1", "dc2");
        assertThat(check(Topics.JOB_EVENTS, dc2, manager.headers(Topics.JOB_EVENTS, "job-1", dc2)))
                .as("dc2's part, on the events topic").contains(RecordSigning.Refusal.OTHER_DATACENTER);
        byte[] stated = RecordCodec.encode(Envelope.of(new Subject.Datacenter("dc2"), "manager-dc1-1", 0, 1, 1L,
                new Payload.TermStated("dc2", 7, 1)));
        assertThat(check(Topics.JOB_EVENTS, stated, manager.headers(Topics.JOB_EVENTS, "job-1", stated)))
                .as("a term of dc2's").contains(RecordSigning.Refusal.OTHER_DATACENTER);
        byte[] twice = new String(dc1, StandardCharsets.UTF_8).replaceFirst("\\}$",
                ",\"payload\":{\"datacenter\":\"dc2\"}}").getBytes(StandardCharsets.UTF_8);
        assertThat(RecordCodec.heading(twice).datacenter()).as("the last payload, as a reader decodes it")
                .contains("dc2");
        assertThat(check(Topics.JOB_EVENTS, twice, manager.headers(Topics.JOB_EVENTS, "job-1", twice)))
                .contains(RecordSigning.Refusal.OTHER_DATACENTER);
        byte[] unnamed = new String(dc1, StandardCharsets.UTF_8).replace("\"datacenter\":\"dc1\",", "")
                .getBytes(StandardCharsets.UTF_8);
        assertThat(RecordCodec.heading(unnamed).datacenter()).isEmpty();
        assertThat(check(Topics.JOB_EVENTS, unnamed, manager.headers(Topics.JOB_EVENTS, "job-1", unnamed)))
                .as("naming no datacenter").contains(RecordSigning.Refusal.OTHER_DATACENTER);

        // A certificate made before certificates named datacenters speaks for any.
        NodeCertificate.Issued old = NodeCertificate.issue(NodeRole.MANAGER, "manager-dc1-1", "",
                KEYS.get(NodeRole.MANAGER).get(0));
        RecordSigning unbound = CLUSTER.withRoles(RecordRoles.ofNode(PUBLIC, old.certificate(), old.privateKey()));
        assertThat(old.certificate().split(":")).hasSize(4);
        assertThat(check(elsewhere, own, unbound.headers(elsewhere, "job-1", own))).isEmpty();
        assertThat(check(Topics.JOB_EVENTS, dc2, unbound.headers(Topics.JOB_EVENTS, "job-1", dc2))).isEmpty();
    }

    @Test
    void aCertificatesDatacenterIsSignedWithTheRestOfIt() {
        NodeCertificate.Issued issued = NodeCertificate.issue(NodeRole.MANAGER, "manager-dc1-1", "dc1",
                KEYS.get(NodeRole.MANAGER).get(0));
        NodeCertificate certificate = NodeCertificate.parse(issued.certificate());
        assertThat(certificate.datacenter()).isEqualTo("dc1");
        assertThat(certificate.text()).isEqualTo(issued.certificate()).startsWith("manager:manager-dc1-1:dc1:");
        assertThat(certificate.toString()).isEqualTo("NodeCertificate[manager manager-dc1-1 of dc1]");
        byte[] value = cancel("manager-dc1-1");
        Map<String, byte[]> headers = new HashMap<>(CLUSTER.withRoles(RecordRoles.ofNode(PUBLIC, issued.certificate(),
                issued.privateKey())).headers(Topics.dispatch("dc2"), "job-1", value));
        headers.put(RecordRoles.CERTIFICATE_HEADER, issued.certificate().replace(":dc1:", ":dc2:")
                .getBytes(StandardCharsets.UTF_8));
        assertThat(check(Topics.dispatch("dc2"), value, headers)).as("its datacenter changed")
                .contains(RecordSigning.Refusal.FORGED);
        headers.put(RecordRoles.CERTIFICATE_HEADER, issued.certificate().replace(":dc1:", ":")
                .getBytes(StandardCharsets.UTF_8));
        assertThat(check(Topics.dispatch("dc2"), value, headers)).as("its datacenter taken out")
                .contains(RecordSigning.Refusal.FORGED);

        String longest = NodeCertificate.issue(NodeRole.MANAGER, "m".repeat(64), "d".repeat(40),
                KEYS.get(NodeRole.MANAGER).get(0)).certificate();
        assertThat(longest).hasSize(263);
        assertThat(NodeCertificate.parse(longest).datacenter()).hasSize(40);
        assertThatThrownBy(() -> NodeCertificate.issue(NodeRole.GATE, "gate-1", "dc1", KEYS.get(NodeRole.GATE).get(0)))
                .hasMessage("a gate belongs to no datacenter: its certificate names none");
        assertThatThrownBy(() -> NodeCertificate.issue(NodeRole.WORKER, "worker-1", "DC_1",
                KEYS.get(NodeRole.WORKER).get(0))).hasMessageStartingWith("'DC_1' is not a datacenter name");
        assertThatThrownBy(() -> NodeCertificate.parse(issued.certificate().replace("manager:", "gate:")))
                .hasMessage("not a node certificate: 'dc1' is not a gate's datacenter");
    }

    @Test
    void requiringCertificatesRefusesARolesOwnSignatureAndAManagersCertificateNamingNoDatacenter() {
        RecordSigning required = CLUSTER.withRoles(RecordRoles.of(PUBLIC, Optional.empty(), Optional.empty())
                .requiringCertificates());
        byte[] value = cancel("manager-dc1-1");
        RecordSigning role = CLUSTER.withRoles(RecordRoles.of(PUBLIC, Optional.of(NodeRole.MANAGER),
                Optional.of(KEYS.get(NodeRole.MANAGER).get(0))));
        assertThat(required.check(DISPATCH, "job-1", value, role.headers(DISPATCH, "job-1", value)::get))
                .as("signed with the managers' own key").contains(RecordSigning.Refusal.UNCERTIFIED);
        NodeCertificate.Issued old = NodeCertificate.issue(NodeRole.MANAGER, "manager-dc1-1", "",
                KEYS.get(NodeRole.MANAGER).get(0));
        RecordSigning unbound = CLUSTER.withRoles(RecordRoles.ofNode(PUBLIC, old.certificate(), old.privateKey()));
        assertThat(required.check(DISPATCH, "job-1", value, unbound.headers(DISPATCH, "job-1", value)::get))
                .as("a manager's certificate naming no datacenter").contains(RecordSigning.Refusal.UNCERTIFIED);
        RecordSigning manager = node(NodeRole.MANAGER, "manager-dc1-1");
        assertThat(required.check(DISPATCH, "job-1", value, manager.headers(DISPATCH, "job-1", value)::get)).isEmpty();
        byte[] cancel = RecordCodec.encode(Envelope.of(Subject.job(JobId.of("job-1")), "gate-1", 3, 1, 1L,
                new Payload.JobCancelRequested("a gate's")));
        String jobs = Topics.jobs("dc1");
        assertThat(required.check(jobs, "job-1", cancel, node(NodeRole.GATE, "gate-1").headers(jobs, "job-1",
                cancel)::get)).as("a gate's certificate, which names no datacenter").isEmpty();
    }
}
