package io.membrane.cluster.wire;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Delegates to its parent and remembers every class name it was asked for. */
final class RecordingClassLoader extends ClassLoader {
    final Set<String> requested = ConcurrentHashMap.newKeySet();

    RecordingClassLoader(ClassLoader parent) {
        super(parent);
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        requested.add(name);
        return super.loadClass(name, resolve);
    }
}
