package io.membrane.actors.api;

import io.membrane.actors.AgentConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;

/**
 * Where one agent serves its admin API: the unix socket with the full API ({@link AdminSocket}), plain TCP with the
 * read-only routes (metrics and health), and, when the configuration asks for it, the token listener with the full
 * API behind a bearer token. {@link #start} binds all of them or none.
 */
public record AdminListeners(AdminSocket socket, ServerBinding readOnly, Optional<ServerBinding> token) {

    /**
     * Binds every listener of {@code config}; if one fails, unbinds the others and fails with its reason.
     *
     * @param token the token listener's secret, present exactly when {@code config} enables that listener
     * @param blocking where the socket's file operations run
     */
    public static CompletionStage<AdminListeners> start(
            ActorSystem<?> system,
            AgentConfig config,
            AdminRoutes routes,
            Optional<BearerToken> token,
            Executor blocking) {
        Http http = Http.get(system);
        CompletableFuture<ServerBinding> readOnly = bound(
                "the TCP listener " + config.apiHost() + ":" + config.apiPort(),
                http.newServerAt(config.apiHost(), config.apiPort()).bind(routes.readOnlyRoutes()));
        CompletableFuture<Optional<ServerBinding>> tokenTcp = config.tokenListener()
                .map(l -> bound(
                                "the token listener " + l.host() + ":" + l.port(),
                                http.newServerAt(l.host(), l.port()).bind(routes.tokenRoutes(token.orElseThrow())))
                        .thenApply(Optional::of))
                .orElse(CompletableFuture.completedFuture(Optional.empty()));
        CompletableFuture<AdminSocket> socket = CompletableFuture.supplyAsync(
                () -> {
                    try {
                        return AdminSocket.bind(system, config.apiSocket(), config.apiSocketGroup(), routes.routes());
                    } catch (IOException e) {
                        throw new UncheckedIOException(
                                "the admin API socket " + config.apiSocket() + ": " + e.getMessage(), e);
                    }
                },
                blocking);
        return CompletableFuture.allOf(readOnly, tokenTcp, socket).handle((done, failure) -> {
            if (failure == null) {
                return new AdminListeners(socket.join(), readOnly.join(), tokenTcp.join());
            }
            readOnly.thenAccept(ServerBinding::unbind);
            tokenTcp.thenAccept(b -> b.ifPresent(ServerBinding::unbind));
            socket.thenAccept(AdminSocket::close);
            throw failure instanceof CompletionException c ? c : new CompletionException(failure);
        });
    }

    private static <T> CompletableFuture<T> bound(String what, CompletionStage<T> binding) {
        return binding.toCompletableFuture().handle((b, failure) -> {
            if (failure != null) {
                Throwable cause =
                        failure instanceof CompletionException c && c.getCause() != null ? c.getCause() : failure;
                throw new CompletionException(new IOException(what + ": " + cause.getMessage(), cause));
            }
            return b;
        });
    }

    public InetSocketAddress readOnlyAddress() {
        return readOnly.localAddress();
    }

    public Optional<InetSocketAddress> tokenAddress() {
        return token.map(ServerBinding::localAddress);
    }

    /** Removes the socket and unbinds the TCP listeners; completes when they are unbound. */
    public CompletionStage<Void> unbind() {
        socket.close();
        List<CompletableFuture<?>> unbinding = new ArrayList<>();
        unbinding.add(readOnly.unbind().toCompletableFuture());
        token.ifPresent(b -> unbinding.add(b.unbind().toCompletableFuture()));
        return CompletableFuture.allOf(unbinding.toArray(CompletableFuture[]::new));
    }
}
