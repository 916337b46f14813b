package dev.quiver.admission.identity;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ClientAddressResolverTest {

    private final ClientAddressResolver knative = new ClientAddressResolver(
            List.of(Cidr.parse("127.0.0.1"), Cidr.parse("10.0.0.0/8")));

    @Test
    void anUntrustedPeerIsTheClientWhateverItsHeadersSay() {
        assertThat(text(knative.resolve("203.0.113.9", "for=198.51.100.1", "198.51.100.2")))
                .isEqualTo("203.0.113.9");
    }

    @Test
    void theRightMostUntrustedHopIsTheClient() {
        assertThat(text(knative.resolve("127.0.0.1", null, "6.6.6.6, 198.51.100.7, 10.1.2.3")))
                .isEqualTo("198.51.100.7");
        assertThat(text(knative.resolve("127.0.0.1", "for=6.6.6.6, for=\"198.51.100.7:8080\";proto=https, for=10.1.2.3",
                "1.1.1.1"))).as("Forwarded wins over X-Forwarded-For").isEqualTo("198.51.100.7");
        assertThat(text(knative.resolve("127.0.0.1", null, null))).isEqualTo("127.0.0.1");
    }

    @Test
    void anObfuscatedHopLeavesTheProxyThatReportedIt() {
        assertThat(text(knative.resolve("127.0.0.1", "for=_hidden, for=10.1.2.3", null))).isEqualTo("10.1.2.3");
        assertThat(text(knative.resolve("127.0.0.1", null, "example.com"))).as("no name is ever resolved")
                .isEqualTo("127.0.0.1");
    }

    @Test
    void ipv6CallersAreKeyedByTheirSlash64AndMappedIpv4AsIpv4() {
        byte[] one = knative.resolve("127.0.0.1", "for=\"[2001:db8:a:b:1::1]\"", null);
        byte[] other = knative.resolve("127.0.0.1", "for=\"[2001:db8:a:b:ffff::2]:443\"", null);
        assertThat(IpAddresses.bucketKey(one)).isEqualTo(IpAddresses.bucketKey(other))
                .isEqualTo("2001:db8:a:b::/64");
        assertThat(IpAddresses.truncated(one)).isEqualTo("2001:db8:a::/48");
        assertThat(text(knative.resolve("::ffff:198.51.100.3", null, null))).isEqualTo("198.51.100.3");
        assertThat(IpAddresses.truncated(IpAddresses.parse("198.51.100.3"))).isEqualTo("198.51.100.0/24");
    }

    private static String text(byte[] address) {
        return IpAddresses.format(address);
    }
}
