package io.membrane.datapath;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.membrane.datapath.structs.Direction;
import io.membrane.datapath.structs.DropReason;
import io.membrane.datapath.structs.PolicyKey;
import io.membrane.maps.KernelTest;
import io.membrane.maps.layout.Layout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Every layout Java declares against the BTF of the real objects (bpf_xdp.o, bpf_lxc.o) the agent compiles,
 * and Java's drop reasons against their {@code enum drop_reason}: what the loader checks before each load,
 * shown to hold for the shipped sources and to fail on a disagreement.
 */
@Tag("kernel")
class SharedLayoutsTest {
    @BeforeEach
    void kernel() {
        KernelTest.assumeKernel();
    }

    @Test
    void prefilterLayoutsAndDropReasonsMatchBpfXdp() {
        assertMatch(DatapathObjects.xdp(), DatapathMaps.PREFILTER_LAYOUTS);
    }

    @Test
    void endpointLayoutsAndDropReasonsMatchBpfLxc() {
        assertMatch(DatapathObjects.lxc(), DatapathMaps.ENDPOINT_LAYOUTS);
    }

    private static void assertMatch(Path object, List<Layout<?>> layouts) {
        try (BpfObject obj = BpfObject.open(object)) {
            for (Layout<?> layout : layouts) {
                assertEquals(List.of(), LayoutCheck.mismatches(obj.btf(), layout), layout.toString());
            }
            List<Btf.Enumerator> reasons =
                    obj.btf().enumeration(LayoutCheck.DROP_REASON_ENUM).orElseThrow();
            assertEquals(DropReason.values().length - 1, reasons.size(), reasons.toString());
            assertEquals(List.of(), LayoutCheck.dropReasonMismatches(reasons));
            LayoutCheck.check(obj.btf(), layouts);
        }
    }

    @Test
    void aDeclarationInAnotherOrderIsRefusedNamingEachMember() {
        Layout<PolicyKey> reordered = Layout.<PolicyKey>struct("policy_key")
                .u32("identity", PolicyKey::identity)
                .u8("protocol", PolicyKey::protocol)
                .u8("direction", k -> k.direction().code())
                .be16("dport", PolicyKey::port)
                .build(m -> new PolicyKey(
                        m.u32("identity"), m.be16("dport"), m.u8("protocol"), Direction.of(m.u8("direction"))));
        try (BpfObject obj = BpfObject.open(DatapathObjects.lxc())) {
            assertEquals(
                    List.of(
                            "policy_key.protocol: Java offset 4, object offset 6",
                            "policy_key.direction: Java offset 5, object offset 7",
                            "policy_key.dport: Java offset 6, object offset 4"),
                    LayoutCheck.mismatches(obj.btf(), reordered));
        }
    }

    @Test
    void aRenumberedMissingOrExtraDropReasonIsRefused() {
        List<Btf.Enumerator> c = new ArrayList<>();
        for (DropReason r : DropReason.values()) {
            if (r == DropReason.POLICY_DENIED) {
                c.add(new Btf.Enumerator(r.cName(), 134));
            } else if (r != DropReason.UNKNOWN && r != DropReason.PREFILTER) {
                c.add(new Btf.Enumerator(r.cName(), r.code()));
            }
        }
        c.add(new Btf.Enumerator("DROP_NEW", 200));
        assertEquals(
                List.of(
                        "drop_reason.DROP_POLICY: Java 133, object 134",
                        "drop_reason.DROP_NEW = 200: missing from DropReason",
                        "drop_reason.DROP_PREFILTER = 240: in DropReason, not in the object"),
                LayoutCheck.dropReasonMismatches(c));
    }

    /** A layout constant outside the checked lists would be read and written without any check. */
    @Test
    void everyDeclaredStructIsInTheCheckedLists() throws Exception {
        List<Layout<?>> checked = new ArrayList<>(DatapathMaps.PREFILTER_LAYOUTS);
        checked.addAll(DatapathMaps.ENDPOINT_LAYOUTS);
        List<DeclaredLayouts.Declared> declared = DeclaredLayouts.all();
        assertTrue(declared.size() >= 19, declared.toString());
        for (DeclaredLayouts.Declared d : declared) {
            if (!DeclaredLayouts.KERNEL_TYPES.contains(d.layout().cName())) {
                assertTrue(checked.stream().anyMatch(l -> l == d.layout()), d.javaName() + " is in no checked list");
            }
        }
    }
}
