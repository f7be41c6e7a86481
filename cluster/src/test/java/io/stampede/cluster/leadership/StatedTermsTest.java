package io.stampede.cluster.leadership;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The highest term a majority of a group has stated, and the fences it allows. */
class StatedTermsTest {

    @Test
    void aFenceIsAllowedUpToTheTermAMajorityOfTheGroupHasReached() {
        StatedTerms terms = new StatedTerms();
        assertThat(terms.verified()).as("nothing stated").isEqualTo(-1);
        assertThat(terms.allows(1L << 40)).as("no majority has stated a term: nothing is checked yet").isTrue();

        terms.stated("manager-1", 7, 3);
        assertThat(terms.majority()).isEqualTo(2);
        assertThat(terms.verified()).as("one of three").isEqualTo(-1);
        terms.stated("manager-2", 7, 3);
        assertThat(terms.verified()).isEqualTo(7);
        assertThat(terms.allows(7)).isTrue();
        assertThat(terms.allows(6)).as("a deposed leader's fence: the replay filter's to drop").isTrue();
        assertThat(terms.allows(8)).isFalse();

        // A member taken over states a term no election gave: one voice is not a majority.
        terms.stated("manager-3", 1L << 40, 3);
        assertThat(terms.verified()).isEqualTo(7);
        assertThat(terms.allows(1L << 40)).isFalse();

        // An election: the two others move to term 8, one after the other.
        terms.stated("manager-1", 8, 3);
        assertThat(terms.verified()).as("the member taken over and one other").isEqualTo(8);
        terms.stated("manager-2", 9, 3);
        assertThat(terms.verified()).isEqualTo(9);
    }

    @Test
    void aTermStatedLateOrAGroupStatedSmallerChangesNothing() {
        StatedTerms terms = new StatedTerms();
        terms.stated("manager-1", 5, 3);
        terms.stated("manager-2", 5, 3);
        terms.stated("manager-2", 4, 3);
        assertThat(terms.verified()).as("an older statement delivered late").isEqualTo(5);

        // A member claiming a group of one cannot make its own word a majority.
        terms.stated("manager-3", 99, 1);
        assertThat(terms.majority()).isEqualTo(2);
        assertThat(terms.verified()).isEqualTo(5);
        // One claiming a larger group raises the majority: it can hold fences back, never let one through.
        terms.stated("manager-3", 99, 7);
        assertThat(terms.majority()).isEqualTo(4);
        assertThat(terms.verified()).as("what a majority stated stays verified: checks are not switched off")
                .isEqualTo(5);
        assertThat(terms.allows(6)).isFalse();
    }

    @Test
    void aGroupOfOneIsItsOwnMajorityAndMembersBeyondTheBoundAreNotHeard() {
        StatedTerms alone = new StatedTerms();
        alone.stated("manager-dc1-1", 3, 1);
        assertThat(alone.verified()).isEqualTo(3);
        assertThat(alone.allows(4)).isFalse();

        StatedTerms crowd = new StatedTerms();
        for (int i = 0; i < StatedTerms.MAX_MEMBERS; i++) {
            assertThat(crowd.stated("manager-" + i, 2, 3)).isTrue();
        }
        assertThat(crowd.stated("one-too-many", 1L << 40, 3)).isFalse();
        assertThat(crowd.stated("manager-0", 3, 1_000)).as("a member already heard is").isTrue();
        assertThat(crowd.majority()).isEqualTo(StatedTerms.MAX_MEMBERS / 2 + 1);
        assertThat(crowd.verified()).isEqualTo(2);
    }

    @Test
    void aMemberThatSpeaksFirstClaimingAGroupOfOneIsOutvotedOnceTheOthersSpeak() {
        StatedTerms terms = new StatedTerms();
        terms.stated("manager-3", 1L << 40, 1);
        assertThat(terms.verified()).as("alone, before the others: its own word").isEqualTo(1L << 40);
        terms.stated("manager-1", 6, 3);
        assertThat(terms.verified()).as("a group of three: two statements, the lower is what a majority reached")
                .isEqualTo(6);
        assertThat(terms.allows(1L << 40)).isFalse();
        terms.stated("manager-2", 6, 3);
        assertThat(terms.verified()).isEqualTo(6);
    }
}
