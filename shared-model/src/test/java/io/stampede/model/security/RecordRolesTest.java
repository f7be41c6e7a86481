package io.stampede.model.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.stampede.model.NodeRole;
import io.stampede.model.Topics;

/** Records signed by their writer's role, checked against the roles that write their topic. */
class RecordRolesTest {

    private static final byte[] VALUE = "{\"type\":\"job.cancel\"}".getBytes(StandardCharsets.UTF_8);
    private static final Map<NodeRole, List<String>> KEYS = RecordRoles.generate();
    private static final RecordSigning CLUSTER = RecordSigning.of("a-record-key-of-32-characters-00", Optional.empty());

    private static RecordSigning as(NodeRole role) {
        return CLUSTER.withRoles(RecordRoles.of(RecordRoles.publicEntries(KEYS), Optional.of(role),
                Optional.of(KEYS.get(role).get(0))));
    }

    private static final RecordSigning CHECKER = CLUSTER.withRoles(RecordRoles.of(RecordRoles.publicEntries(KEYS),
            Optional.empty(), Optional.empty()));

    private static Optional<RecordSigning.Refusal> check(String topic, Map<String, byte[]> headers) {
        return CHECKER.check(topic, "job-1", VALUE, headers::get);
    }

    @Test
    void eachTopicTakesOnlyTheRolesThatWriteIt() {
        String dispatch = Topics.dispatch("dc1");
        assertThat(check(dispatch, as(NodeRole.MANAGER).headers(dispatch, "job-1", VALUE))).isEmpty();
        assertThat(check(dispatch, as(NodeRole.WORKER).headers(dispatch, "job-1", VALUE)))
                .as("a dispatch a worker wrote, with the cluster's MAC").contains(RecordSigning.Refusal.WRONG_ROLE);
        assertThat(check(dispatch, as(NodeRole.GATE).headers(dispatch, "job-1", VALUE)))
                .contains(RecordSigning.Refusal.WRONG_ROLE);
        assertThat(check(Topics.progress("dc1"), as(NodeRole.WORKER).headers(Topics.progress("dc1"), "job-1", VALUE)))
                .isEmpty();
        assertThat(check(Topics.progress("dc1"), as(NodeRole.MANAGER).headers(Topics.progress("dc1"), "job-1", VALUE)))
                .contains(RecordSigning.Refusal.WRONG_ROLE);
        assertThat(check(Topics.jobs("dc1"), as(NodeRole.GATE).headers(Topics.jobs("dc1"), "job-1", VALUE))).isEmpty();
        assertThat(check(Topics.JOB_EVENTS, as(NodeRole.GATE).headers(Topics.JOB_EVENTS, "job-1", VALUE))).isEmpty();
        assertThat(check(Topics.JOB_EVENTS, as(NodeRole.MANAGER).headers(Topics.JOB_EVENTS, "job-1", VALUE))).isEmpty();
        assertThat(check(Topics.JOB_EVENTS, as(NodeRole.WORKER).headers(Topics.JOB_EVENTS, "job-1", VALUE)))
                .contains(RecordSigning.Refusal.WRONG_ROLE);
        assertThat(check(Topics.JOB_RESULTS, as(NodeRole.MANAGER).headers(Topics.JOB_RESULTS, "job-1", VALUE)))
                .contains(RecordSigning.Refusal.WRONG_ROLE);
        assertThat(check("another.topic", as(NodeRole.GATE).headers("another.topic", "job-1", VALUE)))
                .contains(RecordSigning.Refusal.WRONG_ROLE);
    }

    @Test
    void aRecordCopiedToAnotherTopicDoesNotVerifyThere() {
        Map<String, byte[]> dc1 = as(NodeRole.MANAGER).headers(Topics.dispatch("dc1"), "job-1", VALUE);
        assertThat(check(Topics.dispatch("dc1"), dc1)).isEmpty();
        assertThat(check(Topics.dispatch("dc2"), dc1)).as("another datacenter's dispatch topic")
                .contains(RecordSigning.Refusal.FORGED);
        Map<String, byte[]> events = as(NodeRole.GATE).headers(Topics.JOB_EVENTS, "job-1", VALUE);
        assertThat(check(Topics.jobs("dc1"), events)).as("a gate's record of the events topic on a jobs topic")
                .contains(RecordSigning.Refusal.FORGED);
    }

    @Test
    void aRoleNamedWithoutItsKeysSignatureIsForgedAndARecordWithNeitherIsUnsigned() {
        Map<String, byte[]> worker = as(NodeRole.WORKER).headers(Topics.dispatch("dc1"), "job-1", VALUE);
        Map<String, byte[]> claimed = new HashMap<>(worker);
        claimed.put(RecordRoles.ROLE_HEADER, "manager".getBytes(StandardCharsets.UTF_8));
        assertThat(check(Topics.dispatch("dc1"), claimed)).as("a worker's signature under the manager's name")
                .contains(RecordSigning.Refusal.FORGED);

        Map<String, byte[]> manager = as(NodeRole.MANAGER).headers(Topics.dispatch("dc1"), "job-1", VALUE);
        assertThat(CHECKER.check(Topics.dispatch("dc1"), "job-2", VALUE, manager::get))
                .as("another key, same signatures: the MAC fails first").contains(RecordSigning.Refusal.FORGED);
        Map<String, byte[]> noSignature = new HashMap<>(manager);
        noSignature.remove(RecordRoles.SIGNATURE_HEADER);
        assertThat(check(Topics.dispatch("dc1"), noSignature)).contains(RecordSigning.Refusal.FORGED);

        Map<String, byte[]> macOnly = CLUSTER.headers(Topics.dispatch("dc1"), "job-1", VALUE);
        assertThat(macOnly).containsOnlyKeys(RecordSigning.HEADER);
        assertThat(check(Topics.dispatch("dc1"), macOnly)).as("the cluster's MAC alone")
                .contains(RecordSigning.Refusal.UNSIGNED);
        RecordSigning lenient = CLUSTER.withRoles(RecordRoles.of(RecordRoles.publicEntries(KEYS), Optional.empty(),
                Optional.empty()), true);
        assertThat(lenient.check(Topics.dispatch("dc1"), "job-1", VALUE, macOnly::get))
                .as("while records without a role signature are accepted").isEmpty();
        assertThat(lenient.check(Topics.dispatch("dc1"), "job-1", VALUE, claimed::get))
                .as("a wrong signature never is").contains(RecordSigning.Refusal.FORGED);
        assertThat(lenient.check(Topics.dispatch("dc1"), "job-1", VALUE, name -> null))
                .as("nor a record without the cluster's MAC").contains(RecordSigning.Refusal.UNSIGNED);
    }

    @Test
    void onTheEventsTopicGatesAndManagersWriteOnlyTheirOwnTypesOfRecord() {
        byte[] progress = "{\"protocol\":\"4.4\",\"type\":\"datacenter.progress\",\"payload\":{}}"
                .getBytes(StandardCharsets.UTF_8);
        byte[] finished = "{\"type\":\"job.finished\",\"payload\":{\"type\":\"datacenter.progress\"}}"
                .getBytes(StandardCharsets.UTF_8);
        // Read as the codec reads it: the last of two names.
        byte[] twoNames = "{\"type\":\"datacenter.progress\",\"payload\":{},\"type\":\"job.finished\"}"
                .getBytes(StandardCharsets.UTF_8);
        assertThat(checkValue(Topics.JOB_EVENTS, progress, NodeRole.MANAGER)).isEmpty();
        assertThat(checkValue(Topics.JOB_EVENTS, progress, NodeRole.GATE)).as("a gate writing a datacenter's progress")
                .contains(RecordSigning.Refusal.WRONG_ROLE);
        assertThat(checkValue(Topics.JOB_EVENTS, finished, NodeRole.GATE)).isEmpty();
        assertThat(checkValue(Topics.JOB_EVENTS, finished, NodeRole.MANAGER)).as("a manager ending a job for the gates")
                .contains(RecordSigning.Refusal.WRONG_ROLE);
        assertThat(checkValue(Topics.JOB_EVENTS, twoNames, NodeRole.MANAGER))
                .contains(RecordSigning.Refusal.WRONG_ROLE);
        assertThat(checkValue(Topics.JOB_EVENTS, "not json".getBytes(StandardCharsets.UTF_8), NodeRole.GATE))
                .as("left to its reader, which counts it as unreadable").isEmpty();
        assertThat(checkValue(Topics.DEAD_LETTER, progress, NodeRole.WORKER)).as("a copy of another's record")
                .isEmpty();
    }

    private static Optional<RecordSigning.Refusal> checkValue(String topic, byte[] value, NodeRole signer) {
        Map<String, byte[]> headers = as(signer).headers(topic, "job-1", value);
        return CHECKER.check(topic, "job-1", value, headers::get);
    }

    @Test
    void aRoleWhoseKeyPairIsBeingReplacedIsCheckedWithEitherPublicKey() {
        Map<NodeRole, List<String>> next = RecordRoles.generate();
        List<String> both = new java.util.ArrayList<>(RecordRoles.publicEntries(KEYS));
        both.add(NodeRole.MANAGER.label() + "=" + next.get(NodeRole.MANAGER).get(1));
        RecordSigning checker = CLUSTER.withRoles(RecordRoles.of(both, Optional.empty(), Optional.empty()));
        RecordSigning newManager = CLUSTER.withRoles(RecordRoles.of(both, Optional.of(NodeRole.MANAGER),
                Optional.of(next.get(NodeRole.MANAGER).get(0))));
        RecordSigning otherManager = CLUSTER.withRoles(RecordRoles.of(RecordRoles.publicEntries(next),
                Optional.of(NodeRole.MANAGER), Optional.of(next.get(NodeRole.MANAGER).get(0))));
        RecordSigning otherWorker = CLUSTER.withRoles(RecordRoles.of(RecordRoles.publicEntries(next),
                Optional.of(NodeRole.WORKER), Optional.of(next.get(NodeRole.WORKER).get(0))));
        String dispatch = Topics.dispatch("dc1");

        Map<String, byte[]> old = as(NodeRole.MANAGER).headers(dispatch, "job-1", VALUE);
        Map<String, byte[]> renewed = newManager.headers(dispatch, "job-1", VALUE);
        assertThat(checker.check(dispatch, "job-1", VALUE, old::get)).as("signed with the old key").isEmpty();
        assertThat(checker.check(dispatch, "job-1", VALUE, renewed::get)).as("signed with the new key").isEmpty();
        assertThat(otherManager.headers(dispatch, "job-1", VALUE)).satisfies(headers -> assertThat(
                CHECKER.check(dispatch, "job-1", VALUE, headers::get)).as("the new key, where only the old is known")
                .contains(RecordSigning.Refusal.FORGED));
        Map<String, byte[]> worker = otherWorker.headers(Topics.progress("dc1"), "job-1", VALUE);
        assertThat(checker.check(Topics.progress("dc1"), "job-1", VALUE, worker::get))
                .as("only the replaced role has two keys").contains(RecordSigning.Refusal.FORGED);
    }

    @Test
    void settingsThatCannotWorkAreRefusedNamingWhatIsWrongAndNeverAPrivateKey() {
        List<String> entries = RecordRoles.publicEntries(KEYS);
        assertThatThrownBy(() -> RecordRoles.of(entries.subList(0, 2), Optional.empty(), Optional.empty()))
                .hasMessage("no key for worker: every role's public key is needed");
        List<String> thrice = new java.util.ArrayList<>(entries);
        thrice.addAll(List.of(entries.get(0), entries.get(0)));
        assertThatThrownBy(() -> RecordRoles.of(thrice, Optional.empty(), Optional.empty()))
                .hasMessage("the role gate is given more than 2 keys (its old and its new one while it is replaced)");
        assertThatThrownBy(() -> RecordRoles.of(List.of("owner=abc"), Optional.empty(), Optional.empty()))
                .hasMessage("entry 1 must be role=key, the role gate, manager or worker");
        assertThatThrownBy(() -> RecordRoles.of(List.of("gate=bm90IGEga2V5"), Optional.empty(), Optional.empty()))
                .hasMessage("entry 1: not an Ed25519 public key (base64 of its X.509 form)");
        String workersKey = KEYS.get(NodeRole.WORKER).get(0);
        assertThatThrownBy(() -> RecordRoles.of(entries, Optional.of(NodeRole.MANAGER), Optional.of(workersKey)))
                .hasMessage("is not the managers' key: its signatures do not verify with the manager's public key")
                .message().doesNotContain(workersKey);
        assertThatThrownBy(() -> RecordRoles.of(entries, Optional.of(NodeRole.GATE), Optional.of("bm90IGEga2V5")))
                .hasMessage("is not an Ed25519 private key (base64 of its PKCS#8 form)");
        assertThatThrownBy(() -> RecordSigning.off().withRoles(RecordRoles.of(entries, Optional.empty(),
                Optional.empty()))).isInstanceOf(IllegalStateException.class);
        assertThat(as(NodeRole.GATE).roles().orElseThrow().toString()).isEqualTo("RecordRoles[gate]");
    }
}
