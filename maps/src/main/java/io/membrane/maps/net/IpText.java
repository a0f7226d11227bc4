package io.membrane.maps.net;

/** Strict text parsing shared by the prefix types; never consults DNS, rejects anything ambiguous. */
final class IpText {
    private IpText() {}

    /**
     * Refuses whitespace, control and non-ASCII characters before any parsing, so that text which merely looks
     * right (a pasted space, a non-breaking space, a Unicode digit) is refused instead of silently cleaned up:
     * callers that have a syntax of their own around addresses (a file with comments) trim there, not here.
     */
    static String requirePlainText(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c > ' ' && c < 0x7f) {
                continue;
            }
            String what = Character.isWhitespace(c) || Character.isSpaceChar(c)
                    ? "whitespace"
                    : Character.isISOControl(c) ? "a control character" : "a character outside the address syntax";
            throw new IllegalArgumentException(
                    String.format("'%s': %s (U+%04X) at index %d is not allowed in a CIDR", text, what, (int) c, i));
        }
        return text;
    }

    private static boolean isAsciiDigit(int c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isAsciiHexDigit(int c) {
        return isAsciiDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    static int parseLength(String whole, String text, int max) {
        int length = 0;
        boolean digits = !text.isEmpty() && text.length() <= 3;
        for (int i = 0; digits && i < text.length(); i++) {
            digits = isAsciiDigit(text.charAt(i));
            length = length * 10 + (text.charAt(i) - '0');
        }
        if (!digits || length > max) {
            throw new IllegalArgumentException(whole + ": prefix length must be 0.." + max);
        }
        return length;
    }

    static int parseV4(String whole, String text) {
        // By hand, not split and streams: every claim a node receives is parsed, a joining node's 100,000 included.
        int dots = 0;
        for (int i = text.indexOf('.'); i >= 0; i = text.indexOf('.', i + 1)) {
            dots++;
        }
        if (dots != 3) {
            throw new IllegalArgumentException(whole + ": not an IPv4 address (expected four dotted decimal octets)");
        }
        int address = 0;
        for (int start = 0; start <= text.length(); ) {
            int end = text.indexOf('.', start);
            if (end < 0) {
                end = text.length();
            }
            int octet = 0;
            boolean digits = end > start && end - start <= 3 && (end - start == 1 || text.charAt(start) != '0');
            for (int i = start; digits && i < end; i++) {
                digits = isAsciiDigit(text.charAt(i));
                octet = octet * 10 + (text.charAt(i) - '0');
            }
            if (!digits) {
                throw new IllegalArgumentException(
                        whole + ": not an IPv4 address (bad octet '" + text.substring(start, end) + "')");
            }
            if (octet > 255) {
                throw new IllegalArgumentException(whole + ": not an IPv4 address (octet " + octet + " > 255)");
            }
            address = address << 8 | octet;
            start = end + 1;
        }
        return address;
    }

    /** Parses an IPv6 literal (RFC 4291 text forms, embedded IPv4 allowed) into 16 bytes. */
    static byte[] parseV6(String whole, String text) {
        if (text.isEmpty() || text.indexOf(':') < 0) {
            throw new IllegalArgumentException(whole + ": not an IPv6 address");
        }
        byte[] out = new byte[16];
        int tailStart = text.indexOf("::");
        if (tailStart >= 0 && text.indexOf("::", tailStart + 1) >= 0) {
            throw new IllegalArgumentException(whole + ": not an IPv6 address ('::' appears twice)");
        }
        String head = tailStart >= 0 ? text.substring(0, tailStart) : text;
        String tail = tailStart >= 0 ? text.substring(tailStart + 2) : "";
        int[] headGroups = groups(whole, head, tailStart < 0);
        int[] tailGroups = tailStart >= 0 ? groups(whole, tail, true) : new int[0];
        int total = headGroups.length + tailGroups.length;
        if ((tailStart < 0 && total != 8) || (tailStart >= 0 && total > 7)) {
            throw new IllegalArgumentException(whole + ": not an IPv6 address (wrong number of groups)");
        }
        for (int i = 0; i < headGroups.length; i++) {
            out[2 * i] = (byte) (headGroups[i] >>> 8);
            out[2 * i + 1] = (byte) headGroups[i];
        }
        for (int i = 0; i < tailGroups.length; i++) {
            int g = 8 - tailGroups.length + i;
            out[2 * g] = (byte) (tailGroups[i] >>> 8);
            out[2 * g + 1] = (byte) tailGroups[i];
        }
        return out;
    }

    /** 16-bit groups of one side of '::'; a trailing dotted quad counts as two groups. */
    private static int[] groups(String whole, String side, boolean mayEndInV4) {
        if (side.isEmpty()) {
            return new int[0];
        }
        String[] parts = side.split(":", -1);
        int n = parts.length;
        boolean v4Tail = mayEndInV4 && parts[n - 1].indexOf('.') >= 0;
        int[] out = new int[v4Tail ? n + 1 : n];
        for (int i = 0; i < (v4Tail ? n - 1 : n); i++) {
            String p = parts[i];
            if (p.isEmpty() || p.length() > 4 || !p.chars().allMatch(IpText::isAsciiHexDigit)) {
                throw new IllegalArgumentException(whole + ": not an IPv6 address (bad group '" + p + "')");
            }
            out[i] = Integer.parseInt(p, 16);
        }
        if (v4Tail) {
            int v4 = parseV4(whole, parts[n - 1]);
            out[n - 1] = v4 >>> 16;
            out[n] = v4 & 0xffff;
        }
        return out;
    }

    static String v4(int address) {
        return (address >>> 24) + "." + (address >>> 16 & 0xff) + "." + (address >>> 8 & 0xff) + "." + (address & 0xff);
    }

    /**
     * RFC 5952 text: lower case, the longest run of two or more zero groups as '::' (§4), and an IPv4-mapped
     * address (::ffff:0:0/96) with its IPv4 tail in dotted decimal (§5), as users wrote it.
     */
    static String v6(byte[] a) {
        if (isV4Mapped(a)) {
            return "::ffff:" + v4(java.nio.ByteBuffer.wrap(a).getInt(12));
        }
        int[] g = new int[8];
        for (int i = 0; i < 8; i++) {
            g[i] = (a[2 * i] & 0xff) << 8 | (a[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLen = 1;
        for (int i = 0; i < 8; ) {
            if (g[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && g[j] == 0) {
                j++;
            }
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(g[i]));
        }
        return sb.toString();
    }

    private static boolean isV4Mapped(byte[] a) {
        for (int i = 0; i < 10; i++) {
            if (a[i] != 0) {
                return false;
            }
        }
        return a[10] == (byte) 0xff && a[11] == (byte) 0xff;
    }
}
