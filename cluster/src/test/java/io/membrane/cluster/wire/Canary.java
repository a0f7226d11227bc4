package io.membrane.cluster.wire;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A class a hostile payload names. It counts its initialization and its constructions in {@link Log} (a separate
 * class, so reading the counters neither initializes nor constructs a Canary).
 */
public final class Canary {
    static {
        Log.INITIALIZED.incrementAndGet();
    }

    public Canary() {
        Log.CONSTRUCTED.incrementAndGet();
    }

    /** The counters. */
    public static final class Log {
        public static final AtomicInteger INITIALIZED = new AtomicInteger();
        public static final AtomicInteger CONSTRUCTED = new AtomicInteger();

        private Log() {}
    }

    /** Java-serializable twin: counts constructions and readObject calls. */
    public static final class JavaCanary implements java.io.Serializable {
        public static final AtomicInteger CONSTRUCTED = new AtomicInteger();
        public static final AtomicInteger DESERIALIZED = new AtomicInteger();
        private static final long serialVersionUID = 1L;

        public JavaCanary() {
            CONSTRUCTED.incrementAndGet();
        }

        private void readObject(java.io.ObjectInputStream in) throws java.io.IOException, ClassNotFoundException {
            in.defaultReadObject();
            DESERIALIZED.incrementAndGet();
        }
    }
}
