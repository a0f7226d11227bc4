package io.membrane.actors.identity;

import java.util.Comparator;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * One security-relevant label, {@code source:key=value} (the value may be empty). Written without a source it is a
 * {@code user} label ({@code app=web} is {@code user:app=web}); {@code reserved} labels name the reserved identities
 * and only the agent makes them. Keys and values keep to {@code [A-Za-z0-9._/-]}, so the text form needs no quoting
 * and a label set can be written as one comma-separated line.
 */
public record Label(Source source, String key, String value) implements Comparable<Label> {
    /** Where a label comes from. Its text is the prefix before the first colon. */
    public enum Source {
        USER,
        RESERVED;

        /** The prefix as written: the name in lower case. */
        public String text() {
            return name().toLowerCase(Locale.ROOT);
        }

        static Source parse(String text, String label) {
            for (Source s : values()) {
                if (s.text().equals(text)) {
                    return s;
                }
            }
            throw new LabelException(label, "unknown label source '" + text + "' (user or reserved)");
        }
    }

    private static final Pattern ALLOWED = Pattern.compile("[A-Za-z0-9._/-]*");
    private static final Comparator<Label> ORDER =
            Comparator.comparing(Label::source).thenComparing(Label::key).thenComparing(Label::value);

    public Label {
        String text = source.text() + ":" + key + (value.isEmpty() ? "" : "=" + value);
        if (key.isEmpty()) {
            throw new LabelException(text, "a label needs a key");
        }
        if (!ALLOWED.matcher(key).matches()) {
            throw new LabelException(text, "a label key may hold only A-Z a-z 0-9 . _ / -");
        }
        if (!ALLOWED.matcher(value).matches()) {
            throw new LabelException(text, "a label value may hold only A-Z a-z 0-9 . _ / -");
        }
    }

    /** Any source: what the agent itself uses (reserved labels included). */
    public static Label parse(String text) {
        int colon = text.indexOf(':');
        int equals = text.indexOf('=');
        Source source = Source.USER;
        String rest = text;
        if (colon >= 0 && (equals < 0 || colon < equals)) {
            source = Source.parse(text.substring(0, colon), text);
            rest = text.substring(colon + 1);
        }
        int eq = rest.indexOf('=');
        try {
            return eq < 0
                    ? new Label(source, rest, "")
                    : new Label(source, rest.substring(0, eq), rest.substring(eq + 1));
        } catch (LabelException e) {
            // Name the label as the user wrote it ("app=a b"), not as the record would print it.
            throw new LabelException(text, e.reason());
        }
    }

    /** What a user may write: any label but a {@code reserved} one. */
    public static Label parseUser(String text) {
        Label label = parse(text);
        if (label.source() == Source.RESERVED) {
            throw new LabelException(text, "reserved labels are given by the agent, not by a user");
        }
        return label;
    }

    public static Label reserved(String key) {
        return new Label(Source.RESERVED, key, "");
    }

    @Override
    public int compareTo(Label other) {
        return ORDER.compare(this, other);
    }

    @Override
    public String toString() {
        return source.text() + ":" + key + (value.isEmpty() ? "" : "=" + value);
    }
}
