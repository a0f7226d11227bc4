package io.membrane.actors.identity;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The labels an identity stands for, in one canonical order (source, then key, then value), so that two nodes that
 * are given the same labels in any order, or twice, agree on the set and on its text. The text form joins the labels
 * with commas ({@code user:app=web,user:env=prod}); no label can hold a comma, so it parses back to the same set.
 */
public record LabelSet(List<Label> labels) {
    /** Cilium's limit too: a label set is an endpoint's security-relevant labels, not its whole metadata. */
    public static final int MAX_LABELS = 64;

    public static final LabelSet EMPTY = new LabelSet(List.of());

    public LabelSet {
        SortedSet<Label> sorted = new TreeSet<>(labels);
        if (sorted.size() > MAX_LABELS) {
            // Names the first label past the limit in canonical order: the one that does not fit.
            throw new LabelException(
                    new ArrayList<>(sorted).get(MAX_LABELS).toString(),
                    "a label set holds at most " + MAX_LABELS + " labels, not " + sorted.size());
        }
        labels = List.copyOf(sorted);
    }

    public static LabelSet of(Label... labels) {
        return new LabelSet(List.of(labels));
    }

    /** Labels a user wrote (no {@code reserved:} label); the first bad one is named by the exception. */
    public static LabelSet parseUser(Collection<String> texts) {
        List<Label> labels = new ArrayList<>(texts.size());
        for (String t : texts) {
            labels.add(Label.parseUser(t));
        }
        return new LabelSet(labels);
    }

    /** The text form back ({@link #toString}); any source allowed. Empty text is the empty set. */
    public static LabelSet parse(String text) {
        if (text.isEmpty()) {
            return EMPTY;
        }
        List<Label> labels = new ArrayList<>();
        for (String t : text.split(",", -1)) {
            labels.add(Label.parse(t));
        }
        return new LabelSet(labels);
    }

    public boolean isEmpty() {
        return labels.isEmpty();
    }

    /** One text per label, in canonical order (what the API shows as {@code labels[]}). */
    public List<String> texts() {
        return labels.stream().map(Label::toString).toList();
    }

    @Override
    public String toString() {
        return labels.stream().map(Label::toString).collect(Collectors.joining(","));
    }
}
