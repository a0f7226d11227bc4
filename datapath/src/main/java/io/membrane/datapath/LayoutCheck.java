package io.membrane.datapath;

import io.membrane.datapath.structs.DropReason;
import io.membrane.maps.layout.Field;
import io.membrane.maps.layout.Layout;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Compares Java layouts with the structs the compiler actually emitted, before anything is loaded: the size,
 * and for every member its offset and size. A struct the Java side declares must exist in the object's BTF,
 * and every named member on either side must exist on the other (explicit padding excepted). The first
 * disagreement is reported as "struct.member: Java offset 4, object offset 8". Where the object carries
 * {@code enum drop_reason}, {@link DropReason} must list exactly its names and numbers.
 */
public final class LayoutCheck {
    private LayoutCheck() {}

    /** The C enum {@link DropReason} mirrors. */
    public static final String DROP_REASON_ENUM = "drop_reason";

    /** Checks every layout, and the drop reasons if the object has them; throws naming every mismatch found. */
    public static void check(Btf btf, Collection<Layout<?>> layouts) {
        List<String> problems = new ArrayList<>();
        for (Layout<?> layout : layouts) {
            problems.addAll(mismatches(btf, layout));
        }
        btf.enumeration(DROP_REASON_ENUM).ifPresent(c -> problems.addAll(dropReasonMismatches(c)));
        if (!problems.isEmpty()) {
            throw new LoadException(btf.objectName(), "layout check failed: " + String.join("; ", problems));
        }
    }

    /** Every way {@code layout} differs from the object's struct of the same name (empty if none). */
    public static List<String> mismatches(Btf btf, Layout<?> layout) {
        List<String> out = new ArrayList<>();
        var found = btf.struct(layout.cName());
        if (found.isEmpty()) {
            out.add("struct " + layout.cName() + " is not in the object's BTF");
            return out;
        }
        Btf.Struct c = found.get();
        if (c.size() != layout.size()) {
            out.add(layout.cName() + ": Java size " + layout.size() + ", object size " + c.size());
        }
        for (Field f : layout.fields()) {
            if (f.kind() == Field.Kind.PADDING) {
                continue;
            }
            var member = c.member(f.name());
            if (member.isEmpty()) {
                out.add(layout.cName() + "." + f.name() + ": not a member in the object");
                continue;
            }
            if (member.get().offset() != f.offset()) {
                out.add(layout.cName() + "." + f.name() + ": Java offset " + f.offset() + ", object offset "
                        + member.get().offset());
            }
            if (member.get().size() != f.size()) {
                out.add(layout.cName() + "." + f.name() + ": Java size " + f.size() + ", object size "
                        + member.get().size());
            }
        }
        for (Btf.Member m : c.members()) {
            boolean known = layout.fields().stream().anyMatch(f -> f.name().equals(m.name()));
            if (!known && !m.name().startsWith("pad") && !m.name().startsWith("_")) {
                out.add(layout.cName() + "." + m.name() + ": member of the object missing from the Java layout");
            }
        }
        return out;
    }

    /** Every way {@link DropReason} differs from the C enumerators {@code c} (empty if none). */
    public static List<String> dropReasonMismatches(List<Btf.Enumerator> c) {
        Map<String, Long> java = new LinkedHashMap<>();
        for (DropReason r : DropReason.values()) {
            if (r != DropReason.UNKNOWN) {
                java.put(r.cName(), (long) r.code());
            }
        }
        List<String> out = new ArrayList<>();
        for (Btf.Enumerator e : c) {
            Long code = java.remove(e.name());
            if (code == null) {
                out.add(DROP_REASON_ENUM + "." + e.name() + " = " + e.value() + ": missing from DropReason");
            } else if (code != e.value()) {
                out.add(DROP_REASON_ENUM + "." + e.name() + ": Java " + code + ", object " + e.value());
            }
        }
        java.forEach((name, code) ->
                out.add(DROP_REASON_ENUM + "." + name + " = " + code + ": in DropReason, not in the object"));
        return out;
    }
}
