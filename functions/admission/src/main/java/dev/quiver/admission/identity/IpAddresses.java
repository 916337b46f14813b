package dev.quiver.admission.identity;

import io.netty.util.NetUtil;
import java.util.Arrays;

/**
 * Address literals as bytes, never through name resolution (a header naming a host must not trigger a DNS lookup).
 * IPv4-mapped IPv6 addresses count as the IPv4 address they carry.
 */
final class IpAddresses {

    private IpAddresses() {
    }

    /** The address in {@code text} (IPv4, IPv6, bracketed IPv6, either with a port), or null if it is none. */
    static byte[] parse(String text) {
        if (text == null) {
            return null;
        }
        String literal = text.trim();
        if (literal.startsWith("[")) {
            int close = literal.indexOf(']');
            if (close < 0) {
                return null;
            }
            literal = literal.substring(1, close);
        } else if (literal.indexOf(':') > 0 && literal.indexOf(':') == literal.lastIndexOf(':')) {
            literal = literal.substring(0, literal.indexOf(':'));
        }
        int zone = literal.indexOf('%');
        if (zone > 0) {
            literal = literal.substring(0, zone);
        }
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(literal);
        if (bytes == null) {
            return null;
        }
        if (bytes.length == 16 && isIpv4Mapped(bytes)) {
            return Arrays.copyOfRange(bytes, 12, 16);
        }
        return bytes;
    }

    static String format(byte[] address) {
        if (address.length == 4) {
            return (address[0] & 0xFF) + "." + (address[1] & 0xFF) + "." + (address[2] & 0xFF) + "."
                    + (address[3] & 0xFF);
        }
        return NetUtil.bytesToIpAddress(address);
    }

    /** The block a caller is keyed by: the whole IPv4 address, or the /64 of an IPv6 one (one subscriber's). */
    static String bucketKey(byte[] address) {
        if (address.length == 4) {
            return format(address);
        }
        return format(Arrays.copyOf(Arrays.copyOf(address, 8), 16)) + "/64";
    }

    /** The address cut to its network (IPv4 /24, IPv6 /48): enough to tell callers apart in reports, no more. */
    static String truncated(byte[] address) {
        if (address.length == 4) {
            return (address[0] & 0xFF) + "." + (address[1] & 0xFF) + "." + (address[2] & 0xFF) + ".0/24";
        }
        return format(Arrays.copyOf(Arrays.copyOf(address, 6), 16)) + "/48";
    }

    private static boolean isIpv4Mapped(byte[] bytes) {
        for (int i = 0; i < 10; i++) {
            if (bytes[i] != 0) {
                return false;
            }
        }
        return bytes[10] == (byte) 0xFF && bytes[11] == (byte) 0xFF;
    }
}
