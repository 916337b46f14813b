package dev.quiver.admission.identity;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Finds the client address of a request. The forwarding headers ({@code Forwarded}, else {@code X-Forwarded-For})
 * are believed only as far as they were written by trusted proxies: walking the hops from the TCP peer leftwards,
 * every trusted hop is skipped and the first untrusted one is the client. A request from an untrusted peer is keyed
 * by the peer whatever its headers say, so a client cannot mint identities by writing headers.
 */
public final class ClientAddressResolver {

    private final List<Cidr> trusted;

    public ClientAddressResolver(List<Cidr> trusted) {
        this.trusted = List.copyOf(trusted);
    }

    /** The client's address as bytes; {@code peer} is the TCP peer's address literal. */
    public byte[] resolve(String peer, String forwarded, String xForwardedFor) {
        byte[] peerAddress = IpAddresses.parse(peer);
        if (peerAddress == null || !isTrusted(peerAddress)) {
            return peerAddress;
        }
        List<String> hops = forwarded != null ? forwardedFor(forwarded)
                : xForwardedFor != null ? commaSeparated(xForwardedFor) : List.of();
        byte[] nearest = peerAddress;
        for (int i = hops.size() - 1; i >= 0; i--) {
            byte[] hop = IpAddresses.parse(hops.get(i));
            if (hop == null) {
                // an obfuscated or unknown hop: the trusted proxy that reported it is the best we know
                return nearest;
            }
            if (!isTrusted(hop)) {
                return hop;
            }
            nearest = hop;
        }
        return nearest;
    }

    public boolean isTrusted(byte[] address) {
        for (Cidr cidr : trusted) {
            if (cidr.contains(address)) {
                return true;
            }
        }
        return false;
    }

    private static List<String> commaSeparated(String header) {
        List<String> hops = new ArrayList<>();
        for (String hop : header.split(",")) {
            if (!hop.isBlank()) {
                hops.add(hop.trim());
            }
        }
        return hops;
    }

    /** The {@code for} parameter of each element of an RFC 7239 header, in order. */
    private static List<String> forwardedFor(String header) {
        List<String> hops = new ArrayList<>();
        for (String element : header.split(",")) {
            String value = "unknown";
            for (String pair : element.split(";")) {
                int equals = pair.indexOf('=');
                if (equals > 0 && pair.substring(0, equals).trim().toLowerCase(Locale.ROOT).equals("for")) {
                    value = pair.substring(equals + 1).trim();
                    if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
                        value = value.substring(1, value.length() - 1);
                    }
                }
            }
            hops.add(value);
        }
        return hops;
    }
}
