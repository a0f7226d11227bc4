package io.membrane.actors.api.client;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;

/** No answer from the agent: the transport's I/O failure, with where it tried ({@link #target()}). */
public final class AdminUnreachableException extends AdminClientException {
    private static final long serialVersionUID = 1L;

    private final String target;

    AdminUnreachableException(String target, IOException cause) {
        super(target + ": " + cause.getMessage(), cause);
        this.target = target;
    }

    public String target() {
        return target;
    }

    /** Nothing listens there: the agent is not running (or listens elsewhere). */
    public boolean refused() {
        return getCause() instanceof ConnectException;
    }

    /** The calling thread was interrupted while it waited. */
    public boolean interrupted() {
        return getCause().getClass() == InterruptedIOException.class;
    }

    @Override
    public synchronized IOException getCause() {
        return (IOException) super.getCause();
    }
}
