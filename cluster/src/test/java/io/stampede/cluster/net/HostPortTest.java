package io.stampede.cluster.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class HostPortTest {

    @Test
    void parsesNamesAddressesAndBracketedIpv6() {
        assertThat(HostPort.parse("kafka-1:9092")).isEqualTo(new HostPort("kafka-1", 9092));
        assertThat(HostPort.parse(" 127.0.0.1:7946 ")).isEqualTo(new HostPort("127.0.0.1", 7946));
        assertThat(HostPort.parse("[::1]:7946")).isEqualTo(new HostPort("::1", 7946));
        assertThat(new HostPort("::1", 7946)).hasToString("[::1]:7946");
    }

    @Test
    void parsesCommaSeparatedLists() {
        assertThat(HostPort.parseList("a:1, b:2,,")).containsExactly(new HostPort("a", 1), new HostPort("b", 2));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "localhost      | 'localhost' is not host:port",
        ":9092          | ':9092' is not host:port",
        "host:          | 'host:' is not host:port",
        "host:ninety    | 'host:ninety' does not end in a port number",
        "host:70000     | 'host:70000' has a port outside 1..65535",
        "host:0         | 'host:0' has a port outside 1..65535",
        "::1:80         | write IPv6 hosts in brackets",
    })
    void explainsWhatIsWrong(String text, String message) {
        assertThatThrownBy(() -> HostPort.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }

    @Test
    void tellsAddressesFromNamesAndBracketsIpv6() {
        assertThat(HostPort.isAddressLiteral("10.1.2.3")).isTrue();
        assertThat(HostPort.isAddressLiteral("fd00::1")).isTrue();
        assertThat(HostPort.isAddressLiteral("gate-0.gate-headless")).isFalse();
        assertThat(HostPort.isAddressLiteral("1.2.3.example")).isFalse();
        assertThat(new HostPort("fd00::1", 9000)).hasToString("[fd00::1]:9000");
    }
}
