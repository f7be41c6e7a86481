package io.stampede.cluster.membership;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Precedence on the whole grid: every state against every state at lower, equal and higher incarnation. */
class MemberStatusTest {

    @Test
    void precedenceOnTheWholeGrid() {
        MemberState[] states = MemberState.values();
        for (MemberState current : states) {
            for (MemberState incoming : states) {
                for (long delta = -1; delta <= 1; delta++) {
                    MemberStatus was = new MemberStatus(current, 5);
                    MemberStatus claim = new MemberStatus(incoming, 5 + delta);
                    boolean expected;
                    if (incoming == MemberState.SUSPECT && current == MemberState.UNCONFIRMED) {
                        expected = false;
                    } else if (delta != 0) {
                        expected = delta > 0;
                    } else {
                        expected = incoming.ordinal() > current.ordinal();
                    }
                    assertThat(MemberStatus.supersedes(was, claim))
                            .as("%s@5 replaced by %s@%d", current, incoming, 5 + delta).isEqualTo(expected);
                }
            }
        }
    }

    @Test
    void theRulesTheProtocolReliesOn() {
        // A refutation: the member raises its incarnation and is alive again.
        assertThat(MemberStatus.supersedes(new MemberStatus(MemberState.SUSPECT, 3), new MemberStatus(MemberState.ALIVE, 4)))
                .isTrue();
        // An old alive message cannot undo a suspicion.
        assertThat(MemberStatus.supersedes(new MemberStatus(MemberState.SUSPECT, 3), new MemberStatus(MemberState.ALIVE, 3)))
                .isFalse();
        // Gossip cannot make an unconfirmed member suspect, even at a higher incarnation.
        assertThat(MemberStatus.supersedes(new MemberStatus(MemberState.UNCONFIRMED, 0),
                new MemberStatus(MemberState.SUSPECT, 9))).isFalse();
        // DEAD needs a higher incarnation to come back.
        assertThat(MemberStatus.supersedes(new MemberStatus(MemberState.DEAD, 3), new MemberStatus(MemberState.ALIVE, 3)))
                .isFalse();
        assertThat(MemberStatus.supersedes(new MemberStatus(MemberState.DEAD, 3), new MemberStatus(MemberState.ALIVE, 8)))
                .isTrue();
    }
}
