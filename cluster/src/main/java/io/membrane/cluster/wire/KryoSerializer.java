package io.membrane.cluster.wire;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.util.Pool;
import java.io.NotSerializableException;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.serialization.SerializerWithStringManifest;

/**
 * The one Pekko serializer for everything on the wire and in Distributed Data: every {@link WireMessage}, by the
 * binding in this module's {@code reference.conf}.
 *
 * <p>The manifest is {@code "v1:<id>"} with the class's fixed id from {@link KryoRegistry}; the bytes are the
 * object as Kryo writes it without a leading class id. {@link #fromBinary} decides from the manifest alone, by a
 * map lookup, which class it will read; a manifest that names no registered message is refused with
 * {@link NotSerializableException} before Kryo sees a byte, and inside the payload only registered ids are
 * accepted (class names are refused before they are read). Every decoding failure, including a failed record
 * validation and trailing bytes, is a {@code NotSerializableException}.
 *
 * <p>Kryo instances are not thread-safe; they are pooled, and one that failed is dropped rather than reused.
 */
public final class KryoSerializer extends SerializerWithStringManifest {
    /** This serializer's id in Pekko (0..40 are Pekko's own); stable forever. */
    public static final int IDENTIFIER = 7_310_001;

    /** The manifest prefix: the version of this envelope (id in the manifest, Kryo body without class id). */
    public static final String MANIFEST_PREFIX = "v1:";

    /** The largest message this serializer writes or reads. */
    public static final int MAX_PAYLOAD_BYTES = 1 << 20;

    /** What a buffer is kept at between messages: a larger one (a big key's value) is dropped after its use. */
    private static final int KEPT_BUFFER_BYTES = 64 << 10;

    /**
     * A Kryo and the output buffer it writes into, reused: a fresh buffer per message grew by doubling, copying each
     * large value (a key of a few hundred claims) several times on every write, gossip and durable store.
     */
    private record Worker(Kryo kryo, Output output) {}

    private final Pool<Worker> pool;

    public KryoSerializer(ExtendedActorSystem system) {
        this(system.dynamicAccess().classLoader());
    }

    KryoSerializer(ClassLoader classLoader) {
        this.pool = new Pool<>(true, false, 64) {
            @Override
            protected Worker create() {
                return new Worker(KryoRegistry.newKryo(classLoader), new Output(4096, MAX_PAYLOAD_BYTES));
            }
        };
    }

    @Override
    public int identifier() {
        return IDENTIFIER;
    }

    @Override
    public String manifest(Object o) {
        return MANIFEST_PREFIX + entryOf(o).id();
    }

    @Override
    public byte[] toBinary(Object o) {
        entryOf(o);
        Worker worker = pool.obtain();
        try {
            Output output = worker.output();
            output.reset();
            worker.kryo().writeObject(output, o);
            byte[] bytes = output.toBytes();
            if (output.getBuffer().length > KEPT_BUFFER_BYTES) {
                output.setBuffer(new byte[4096], MAX_PAYLOAD_BYTES);
            }
            pool.free(worker);
            return bytes;
        } catch (RuntimeException e) {
            // The Kryo is not returned to the pool: its state after a failure is not trusted.
            throw new IllegalArgumentException(
                    "cannot serialize " + o.getClass().getName() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
        KryoRegistry.Entry entry = entryOf(manifest);
        if (bytes.length > MAX_PAYLOAD_BYTES) {
            throw new NotSerializableException(
                    "refused " + entry.type().getName() + ": " + bytes.length + " bytes > " + MAX_PAYLOAD_BYTES);
        }
        Worker worker = pool.obtain();
        Object value;
        try {
            Input input = new Input(bytes);
            value = worker.kryo().readObject(input, entry.type());
            if (input.position() != bytes.length) {
                throw new IllegalStateException((bytes.length - input.position()) + " trailing bytes");
            }
            pool.free(worker);
        } catch (RuntimeException e) {
            NotSerializableException refused = new NotSerializableException(
                    "refused " + entry.type().getName() + " (manifest " + manifest + "): " + e.getMessage());
            refused.initCause(e);
            throw refused;
        }
        return value;
    }

    private static KryoRegistry.Entry entryOf(Object o) {
        KryoRegistry.Entry entry = o == null ? null : KryoRegistry.topLevel(o.getClass());
        if (entry == null) {
            throw new IllegalArgumentException(
                    (o == null ? "null" : o.getClass().getName())
                            + " is not a message registered in KryoRegistry (a WireMessage with an entry in its table)");
        }
        return entry;
    }

    /** The entry a manifest names: parsed as text and looked up by number, never by class name. */
    private static KryoRegistry.Entry entryOf(String manifest) throws NotSerializableException {
        KryoRegistry.Entry entry = null;
        if (manifest != null && manifest.startsWith(MANIFEST_PREFIX)) {
            String digits = manifest.substring(MANIFEST_PREFIX.length());
            if (!digits.isEmpty() && digits.length() <= 9 && digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
                entry = KryoRegistry.topLevel(Integer.parseInt(digits));
            }
        }
        if (entry == null) {
            throw new NotSerializableException("unknown manifest '" + printable(manifest)
                    + "': not a message registered in KryoRegistry (expected " + MANIFEST_PREFIX + "<id>)");
        }
        return entry;
    }

    private static String printable(String s) {
        if (s == null) {
            return "null";
        }
        String cut = s.length() > 80 ? s.substring(0, 80) + "..." : s;
        StringBuilder sb = new StringBuilder(cut.length());
        cut.codePoints().forEach(c -> {
            if (c >= 0x20 && c < 0x7f) {
                sb.appendCodePoint(c);
            } else {
                sb.append(String.format("\\u%04x", c));
            }
        });
        return sb.toString();
    }
}
