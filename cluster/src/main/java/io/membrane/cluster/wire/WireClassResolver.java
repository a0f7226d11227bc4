package io.membrane.cluster.wire;

import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.Registration;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.util.DefaultClassResolver;

/**
 * Kryo's class resolver with class names taken out. A Kryo stream can name a class by its fully qualified name
 * instead of a registered id; even with registration required, Kryo 5.6's {@link DefaultClassResolver} still
 * reads that name and loads the class ({@code Class.forName(name, false, loader)}) before it refuses it as
 * unregistered. This resolver refuses the name marker itself, before the name is read, so a payload can never
 * make this JVM look up a class by name. Unknown numeric ids are refused by the default resolver without any
 * lookup.
 */
final class WireClassResolver extends DefaultClassResolver {
    @Override
    protected Registration readName(Input input) {
        throw new KryoException("class names are refused on the wire: only registered class ids are accepted");
    }

    @Override
    @SuppressWarnings("rawtypes")
    protected void writeName(Output output, Class type, Registration registration) {
        throw new KryoException("class " + type.getName() + " is not registered in KryoRegistry");
    }

    @Override
    @SuppressWarnings("rawtypes")
    public Registration registerImplicit(Class type) {
        throw new KryoException("class " + type.getName() + " is not registered in KryoRegistry");
    }
}
