package io.membrane.actors.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LabelSetTest {
    @Test
    void aLabelWithoutSourceIsAUserLabelAndTheValueIsOptional() {
        assertEquals(new Label(Label.Source.USER, "app", "web"), Label.parse("app=web"));
        assertEquals(new Label(Label.Source.USER, "app", "web"), Label.parse("user:app=web"));
        assertEquals(new Label(Label.Source.USER, "team", ""), Label.parse("team"));
        assertEquals(Label.reserved("host"), Label.parse("reserved:host"));
        assertEquals(
                "user:k8s.io/name=a-b_c.d", Label.parse("k8s.io/name=a-b_c.d").toString());
        // A colon after the equals sign is part of the value, and refused there like any other character.
        assertThrows(LabelException.class, () -> Label.parse("app=a:b"));
    }

    @Test
    void anyOrderAndRepetitionGiveOneSetAndOneText() {
        List<String> texts = new ArrayList<>(List.of("env=prod", "app=web", "reserved:init", "tier", "app=db"));
        LabelSet first = LabelSet.parse(String.join(",", texts));
        Random random = new Random(11);
        for (int i = 0; i < 50; i++) {
            Collections.shuffle(texts, random);
            List<String> doubled = new ArrayList<>(texts);
            doubled.add(texts.get(random.nextInt(texts.size())));
            LabelSet again = LabelSet.parse(String.join(",", doubled));
            assertEquals(first, again);
            assertEquals(first.toString(), again.toString());
        }
        // Source first (user before reserved), then key, then value.
        assertEquals("user:app=db,user:app=web,user:env=prod,user:tier,reserved:init", first.toString());
        assertEquals(
                List.of("user:app=db", "user:app=web", "user:env=prod", "user:tier", "reserved:init"), first.texts());
    }

    @Test
    void theTextFormParsesBackToTheSameSet() {
        LabelSet set = LabelSet.parseUser(List.of("b=2", "a", "c=x.y/z-_"));
        assertEquals(set, LabelSet.parse(set.toString()));
        assertEquals(LabelSet.EMPTY, LabelSet.parse(""));
        assertEquals("", LabelSet.EMPTY.toString());
        for (ReservedIdentity r : ReservedIdentity.values()) {
            assertEquals(
                    r.identity().labels(), LabelSet.parse(r.identity().labels().toString()));
        }
    }

    /** Every refusal of the "bad input" list names the label at fault, as it was written. */
    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "=web          | =web          | a label needs a key",
                "user:=web     | user:=web     | a label needs a key",
                "app=we b      | app=we b      | value may hold only",
                "ap p=web      | ap p=web      | key may hold only",
                "app=web;      | app=web;      | value may hold only",
                "app=w=b       | app=w=b       | value may hold only",
                "app=wéb       | app=wéb       | value may hold only",
                "reserved:host | reserved:host | reserved labels are given by the agent",
                "kube:app=web  | kube:app=web  | unknown label source 'kube'"
            })
    void badLabelsAreRefusedNamingTheLabel(String written, String named, String reason) {
        LabelException e =
                assertThrows(LabelException.class, () -> LabelSet.parseUser(List.of("env=prod", written.strip())));
        assertEquals(named.strip(), e.label());
        assertTrue(e.getMessage().contains(reason.strip()), e.getMessage());
    }

    @Test
    void moreThan64LabelsAreRefusedNamingTheFirstThatDoesNotFit() {
        List<String> texts = IntStream.range(0, LabelSet.MAX_LABELS)
                .mapToObj(i -> String.format("k%02d=v", i))
                .toList();
        assertEquals(LabelSet.MAX_LABELS, LabelSet.parseUser(texts).labels().size());
        List<String> tooMany = new ArrayList<>(texts);
        tooMany.add("k64=v");
        LabelException e = assertThrows(LabelException.class, () -> LabelSet.parseUser(tooMany));
        assertEquals("user:k64=v", e.label());
        assertTrue(e.getMessage().contains("at most 64 labels, not 65"), e.getMessage());
    }

    @Test
    void scopesFollowTheRanges() {
        assertEquals(IdentityScope.RESERVED, IdentityScope.of(1));
        assertEquals(IdentityScope.RESERVED, IdentityScope.of(255));
        assertEquals(IdentityScope.CLUSTER, IdentityScope.of(256));
        assertEquals(IdentityScope.CLUSTER, IdentityScope.of(65535));
        assertEquals(IdentityScope.LOCAL, IdentityScope.of(1 << 24 | 1));
        assertEquals(IdentityScope.LOCAL, IdentityScope.of(IdentityScope.MAX_LOCAL));
        for (int bad : new int[] {0, 65536, 1 << 24, -1, 1 << 25}) {
            assertThrows(IllegalArgumentException.class, () -> IdentityScope.of(bad), "" + bad);
        }
    }

    @Test
    void reservedIdentitiesAreFoundBothWaysAndMatchTheDatapath() throws IOException {
        for (ReservedIdentity r : ReservedIdentity.values()) {
            assertEquals(r, ReservedIdentity.byId(r.id()).orElseThrow());
            assertEquals(r, ReservedIdentity.byLabels(r.identity().labels()).orElseThrow());
            assertEquals(IdentityScope.RESERVED, r.identity().scope());
        }
        String header = Files.readString(Path.of("..", "bpf", "lib", "common.h"));
        assertEquals(ReservedIdentity.HOST.id(), define(header, "IDENTITY_HOST"));
        assertEquals(ReservedIdentity.WORLD.id(), define(header, "IDENTITY_WORLD"));
    }

    private static int define(String header, String name) {
        Matcher m = Pattern.compile("#define\\s+" + name + "\\s+(\\d+)").matcher(header);
        assertTrue(m.find(), name + " is not defined in bpf/lib/common.h");
        return Integer.parseInt(m.group(1));
    }
}
