package io.stampede.model.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

import org.junit.jupiter.api.Test;

class RecordSigningTest {

    private static final byte[] VALUE = "{\"type\":\"job.cancel\"}".getBytes(StandardCharsets.UTF_8);
    private final RecordSigning signing = RecordSigning.of("a-record-key-of-32-characters-00", Optional.empty());

    @Test
    void aRecordSignedWithTheKeyPassesAndAnyChangeToItsKeyOrValueIsForged() {
        byte[] mac = signing.sign("job-1", VALUE);

        assertThat(mac).hasSize(32);
        assertThat(signing.check("job-1", VALUE, mac)).isEmpty();
        assertThat(signing.check("job-2", VALUE, mac)).contains(RecordSigning.Refusal.FORGED);
        byte[] changed = VALUE.clone();
        changed[3] ^= 1;
        assertThat(signing.check("job-1", changed, mac)).contains(RecordSigning.Refusal.FORGED);
        assertThat(signing.check("job-1", VALUE, null)).contains(RecordSigning.Refusal.UNSIGNED);
        // The key's length is in the input: key "ab" with value "c" is not key "a" with value "bc".
        assertThat(signing.check("a", "bc".getBytes(StandardCharsets.UTF_8), signing.sign("ab",
                "c".getBytes(StandardCharsets.UTF_8)))).contains(RecordSigning.Refusal.FORGED);
    }

    @Test
    void duringARolloverTheSecondKeyIsAcceptedAndNeverSignedWith() {
        RecordSigning old = RecordSigning.of("the-key-being-retired-000000000", Optional.empty());
        RecordSigning rolling = RecordSigning.of("a-record-key-of-32-characters-00", Optional.of("the-key-being-retired-000000000"));

        assertThat(rolling.check("job-1", VALUE, old.sign("job-1", VALUE))).isEmpty();
        assertThat(rolling.sign("job-1", VALUE)).isEqualTo(signing.sign("job-1", VALUE));
        assertThat(old.check("job-1", VALUE, rolling.sign("job-1", VALUE))).contains(RecordSigning.Refusal.FORGED);
    }

    @Test
    void offChecksNothingAndSignsNothingAndAShortKeyIsRefused() {
        assertThat(RecordSigning.off().on()).isFalse();
        assertThat(RecordSigning.off().check("job-1", VALUE, null)).isEmpty();
        assertThatThrownBy(() -> RecordSigning.off().sign("job-1", VALUE)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> RecordSigning.of("short", Optional.empty()))
                .hasMessage("a record key needs at least 16 bytes").message().doesNotContain("short");
    }

    @Test
    void whileSigningIsSwitchedOnUnsignedRecordsMayBeAcceptedButNeverWronglySignedOnes() {
        RecordSigning switching = RecordSigning.of("a-record-key-of-32-characters-00", Optional.empty(), true);

        assertThat(switching.check("job-1", VALUE, null)).isEmpty();
        assertThat(switching.check("job-1", VALUE, switching.sign("job-1", VALUE))).isEmpty();
        assertThat(switching.check("job-1", VALUE, RecordSigning.of("another-key-0000000000000000", Optional.empty())
                .sign("job-1", VALUE))).contains(RecordSigning.Refusal.FORGED);
    }
}
