package io.membrane.datapath;

import io.membrane.datapath.structs.Notification;
import io.membrane.maps.layout.Layout;
import io.membrane.maps.net.Ipv4Prefix;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Every public {@code Layout} constant of the packages that declare shared structs (datapath.structs and
 * maps.net), found by reading the packages rather than from a list, so a new declaration cannot be missed.
 */
final class DeclaredLayouts {
    /** Key layouts that are kernel types rather than structs of bpf/lib (the FIX maps' bare addresses). */
    static final List<String> KERNEL_TYPES = List.of("__be32", "in6_addr");

    /** A layout and where it is declared ("PolicyKey.LAYOUT"). */
    record Declared(String javaName, Layout<?> layout) {}

    private DeclaredLayouts() {}

    /** Sorted by Java name, so that generated text is stable. */
    static List<Declared> all() {
        List<Declared> out = new ArrayList<>();
        out.addAll(in(Ipv4Prefix.class));
        out.addAll(in(Notification.class));
        out.sort(Comparator.comparing(Declared::javaName));
        return out;
    }

    private static List<Declared> in(Class<?> anchor) {
        try {
            List<Declared> out = new ArrayList<>();
            for (String name : classNames(anchor)) {
                Class<?> type = Class.forName(name);
                for (Field f : type.getDeclaredFields()) {
                    if (Modifier.isStatic(f.getModifiers())
                            && Modifier.isPublic(f.getModifiers())
                            && f.getType() == Layout.class) {
                        out.add(new Declared(
                                type.getName()
                                                .substring(type.getPackageName().length() + 1)
                                                .replace('$', '.') + "." + f.getName(),
                                (Layout<?>) f.get(null)));
                    }
                }
            }
            return out;
        } catch (ReflectiveOperationException | URISyntaxException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> classNames(Class<?> anchor) throws IOException, URISyntaxException {
        Path root = Path.of(
                anchor.getProtectionDomain().getCodeSource().getLocation().toURI());
        String dir = anchor.getPackageName().replace('.', '/');
        if (Files.isDirectory(root)) {
            return classesIn(root.resolve(dir), anchor.getPackageName());
        }
        try (FileSystem jar = FileSystems.newFileSystem(root)) {
            return classesIn(jar.getPath(dir), anchor.getPackageName());
        }
    }

    private static List<String> classesIn(Path dir, String packageName) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".class"))
                    .map(n -> packageName + "." + n.substring(0, n.length() - ".class".length()))
                    .toList();
        }
    }
}
