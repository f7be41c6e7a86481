package io.stampede.cluster.overload;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ExtensionGrantsTest {

    @ParameterizedTest(name = "grant {0}: {1} ms")
    @CsvSource({ "0, 15000", "1, 7500", "2, 3750", "3, 1875", "4, 1000", "9, 1000", "63, 1000" })
    void grantsShrinkToAOneSecondFloor(int n, long millis) {
        assertThat(ExtensionGrants.grant(n)).isEqualTo(Duration.ofMillis(millis));
    }

    @Test
    void grantsWhileProgressingUpToFiveTimes() {
        ExtensionGrants grants = ExtensionGrants.none();
        double progress = 0.1;
        for (int i = 0; i < ExtensionGrants.MAX_GRANTS; i++) {
            ExtensionGrants.Decision decision = grants.request(progress);
            assertThat(decision).isInstanceOf(ExtensionGrants.Granted.class);
            grants = decision.after();
            progress += 0.1;
        }
        assertThat(grants.granted()).isEqualTo(Duration.ofMillis(15_000 + 7_500 + 3_750 + 1_875 + 1_000));
        ExtensionGrants.Decision sixth = grants.request(0.99);
        assertThat(sixth).isInstanceOf(ExtensionGrants.Denied.class);
        assertThat(((ExtensionGrants.Denied) sixth).reason()).contains("all 5");
    }

    @Test
    void deniesAShareThatHasDoneNothingYet() {
        assertThat(ExtensionGrants.none().request(0)).isInstanceOf(ExtensionGrants.Denied.class);
    }

    @Test
    void deniesARequestWithoutProgressSinceTheLastGrant() {
        ExtensionGrants grants = ExtensionGrants.none().request(0.4).after();
        ExtensionGrants.Decision same = grants.request(0.4);
        assertThat(same).isInstanceOf(ExtensionGrants.Denied.class);
        assertThat(same.after()).isEqualTo(grants);
        assertThat(grants.request(0.41)).isInstanceOf(ExtensionGrants.Granted.class);
    }
}
