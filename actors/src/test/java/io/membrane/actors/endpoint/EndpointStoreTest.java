package io.membrane.actors.endpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.membrane.actors.identity.LabelSet;
import io.membrane.maps.net.Ipv4Prefix;
import io.membrane.maps.net.Ipv6Prefix;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a restarted agent reads back: every endpoint as saved, and each unreadable one named with its reason. */
class EndpointStoreTest {
    @TempDir
    Path dir;

    private static EndpointStore.Saved web(String id, EndpointState state) {
        return new EndpointStore.Saved(
                id,
                "lxc" + id,
                Optional.of(Ipv4Prefix.parse("10.200.0.5/32")),
                Optional.of(Ipv6Prefix.parse("fd00:10:200::5/128")),
                LabelSet.parseUser(List.of("app=web", "env=prod")),
                Optional.of("02:00:0a:c8:00:05"),
                300,
                state,
                "");
    }

    @Test
    void savedEndpointsComeBackAsTheyWere() throws IOException {
        EndpointStore store = EndpointStore.at(dir.resolve("endpoints"));
        assertEquals(new EndpointStore.Loaded(List.of(), Map.of()), store.loadAll(), "nothing saved yet");
        EndpointStore.Saved a = web("web-1", EndpointState.READY);
        EndpointStore.Saved b = new EndpointStore.Saved(
                "db-1",
                "lxcdb1",
                Optional.of(Ipv4Prefix.parse("10.200.0.6/32")),
                Optional.empty(),
                LabelSet.parseUser(List.of("app=db")),
                Optional.empty(),
                0,
                EndpointState.WAITING_FOR_IDENTITY,
                "bpf_lxc-0123456789abcdef01234567"); // the object its links run, for a restore without reload
        store.save(a);
        store.save(b);
        store.save(web("web-1", EndpointState.REGENERATING)); // replaces, whole
        assertEquals(
                List.of(b, web("web-1", EndpointState.REGENERATING)),
                store.loadAll().endpoints());
        assertFalse(Files.exists(dir.resolve("endpoints/web-1/endpoint.tmp")));

        store.remove("web-1");
        store.remove("web-1"); // idempotent
        assertEquals(List.of(b), store.loadAll().endpoints());
        assertFalse(Files.exists(dir.resolve("endpoints/web-1")));
    }

    @Test
    void anUnreadableEntryIsNamedAndTheOthersStillLoad() throws IOException {
        EndpointStore store = EndpointStore.at(dir.resolve("endpoints"));
        store.save(web("web-1", EndpointState.READY));
        Path broken = dir.resolve("endpoints/web-2");
        Files.createDirectories(broken);
        Files.writeString(broken.resolve("endpoint"), "# membrane endpoint v1\nid web-2\ninterface lxc2\n");
        Files.createDirectories(dir.resolve("endpoints/web-3")); // a save that never completed
        Path moved = dir.resolve("endpoints/web-4");
        Files.createDirectories(moved);
        Files.writeString(
                moved.resolve("endpoint"),
                "# membrane endpoint v1\nid web-9\ninterface lxc4\nipv4 10.200.0.9\nidentity 0\nstate ready\n");
        Path badLabel = dir.resolve("endpoints/web-5");
        Files.createDirectories(badLabel);
        Files.writeString(
                badLabel.resolve("endpoint"),
                "# membrane endpoint v1\nid web-5\ninterface lxc5\nipv4 10.200.0.9\nidentity 0\nstate ready\n"
                        + "label user:a b\n");

        EndpointStore.Loaded loaded = store.loadAll();
        assertEquals(List.of(web("web-1", EndpointState.READY)), loaded.endpoints());
        assertEquals(
                List.of("web-2", "web-3", "web-4", "web-5"),
                List.copyOf(loaded.unreadable().keySet()));
        assertTrue(
                loaded.unreadable().get("web-2").contains("no 'identity' line")
                        || loaded.unreadable().get("web-2").contains("no address"),
                loaded.unreadable().get("web-2"));
        assertTrue(loaded.unreadable().get("web-3").contains("never completed"));
        assertTrue(
                loaded.unreadable().get("web-4").contains("directory 'web-4'"),
                loaded.unreadable().get("web-4"));
        assertTrue(
                loaded.unreadable().get("web-5").contains("label"),
                loaded.unreadable().get("web-5"));
    }

    @Test
    void idsThatCouldEscapeTheDirectoryOrBreakAMapNameAreRefused() {
        for (String bad : List.of("", ".", "..", "../x", "a/b", "-a", "a b", "x".repeat(65), "é")) {
            assertFalse(EndpointStore.isValidId(bad), bad);
            assertThrows(IllegalArgumentException.class, () -> web(bad, EndpointState.READY), bad);
        }
        for (String good : List.of("1", "web-1", "ns1.pod_a", "x".repeat(64))) {
            assertTrue(EndpointStore.isValidId(good), good);
        }
        assertThrows(
                IllegalArgumentException.class,
                () -> new EndpointStore.Saved(
                        "a",
                        "lxca",
                        Optional.of(Ipv4Prefix.parse("10.200.0.0/24")),
                        Optional.empty(),
                        LabelSet.parseUser(List.of()),
                        Optional.empty(),
                        0,
                        EndpointState.READY,
                        ""));
    }
}
