package io.membrane.lab;

import io.membrane.actors.api.client.AdminTransport;
import io.membrane.actors.api.client.Http1Transport;
import io.membrane.datapath.net.Netns;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;

/**
 * The lab's {@link AdminTransport}: {@link Http1Transport} on a thread that has entered a node's network namespace
 * (setns(2) through {@link Netns#call}), so its socket is opened inside it; one connection per request, so no
 * connection of one node's loopback is ever reused for another's.
 */
final class LabHttp implements AdminTransport {
    private static final Duration MAX_CONNECT = Duration.ofSeconds(3);

    private final String netns;
    private final Http1Transport http;

    LabHttp(String netns, String host, int port, Duration timeout) {
        this.netns = netns;
        this.http = new Http1Transport(host, port, timeout.compareTo(MAX_CONNECT) < 0 ? timeout : MAX_CONNECT, timeout);
    }

    @Override
    public String describe() {
        return http.describe() + " in " + netns;
    }

    @Override
    public Response send(Request request) throws IOException {
        try {
            return Netns.call(netns, () -> {
                try {
                    return http.send(request);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
