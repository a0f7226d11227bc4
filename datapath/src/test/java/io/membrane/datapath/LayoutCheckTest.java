package io.membrane.datapath;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.membrane.maps.KernelTest;
import io.membrane.maps.layout.Field;
import io.membrane.maps.layout.Layout;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Java layouts against the BTF clang emitted for the same structs. */
@Tag("kernel")
class LayoutCheckTest {
    static Layout<Object> pair(Field... fields) {
        return pair(16, fields);
    }

    static Layout<Object> pair(int size, Field... fields) {
        return Layout.of("test_pair", size, List.of(fields), (v, b, o) -> {}, (b, o) -> null);
    }

    static final Layout<Object> RIGHT = pair(
            Field.u32("id", 0),
            Field.u16("port", 4),
            Field.u8("proto", 6),
            Field.padding("pad", 7, 1),
            Field.u64("bytes", 8));

    @BeforeEach
    void kernel() {
        KernelTest.assumeKernel();
    }

    @Test
    void readsTheStructClangEmitted() {
        try (BpfObject obj = BpfObject.open(TestObjects.object())) {
            Btf.Struct s = obj.btf().struct("test_pair").orElseThrow();
            assertEquals(16, s.size());
            assertEquals(new Btf.Member("port", 4, 2), s.member("port").orElseThrow());
            assertEquals(new Btf.Member("bytes", 8, 8), s.member("bytes").orElseThrow());
        }
    }

    @Test
    void matchingLayoutPasses() {
        try (BpfObject obj = BpfObject.open(TestObjects.object())) {
            assertEquals(List.of(), LayoutCheck.mismatches(obj.btf(), RIGHT));
            LayoutCheck.check(obj.btf(), List.of(RIGHT));
        }
    }

    @Test
    void wrongOffsetIsRefusedNamingStructAndField() {
        Layout<Object> wrong =
                pair(Field.u32("id", 0), Field.u16("port", 6), Field.u8("proto", 5), Field.u64("bytes", 8));
        try (BpfObject obj = BpfObject.open(TestObjects.object())) {
            LoadException e = assertThrows(LoadException.class, () -> LayoutCheck.check(obj.btf(), List.of(wrong)));
            assertTrue(e.getMessage().contains("test_pair.port: Java offset 6, object offset 4"), e.getMessage());
            assertTrue(e.getMessage().contains("test_pair.proto: Java offset 5, object offset 6"), e.getMessage());
        }
    }

    @Test
    void wrongSizeMissingAndUnknownMembersAreRefused() {
        Layout<Object> wrong =
                pair(24, Field.u32("id", 0), Field.u16("dport", 4), Field.u8("proto", 6), Field.u64("bytes", 8));
        try (BpfObject obj = BpfObject.open(TestObjects.object())) {
            List<String> problems = LayoutCheck.mismatches(obj.btf(), wrong);
            assertTrue(problems.contains("test_pair: Java size 24, object size 16"), problems.toString());
            assertTrue(problems.contains("test_pair.dport: not a member in the object"), problems.toString());
            assertTrue(
                    problems.contains("test_pair.port: member of the object missing from the Java layout"),
                    problems.toString());
        }
    }

    @Test
    void structAbsentFromBtfIsRefused() {
        Layout<Object> absent =
                Layout.of("no_such_struct", 4, List.of(Field.u32("x", 0)), (v, b, o) -> {}, (b, o) -> null);
        try (BpfObject obj = BpfObject.open(TestObjects.object())) {
            assertEquals(
                    List.of("struct no_such_struct is not in the object's BTF"),
                    LayoutCheck.mismatches(obj.btf(), absent));
        }
    }
}
