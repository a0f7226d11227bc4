package io.membrane.actors.api;

import io.membrane.actors.AgentConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * The secret of the opt-in TCP listener of the full API. Requests present it as {@code Authorization: Bearer
 * TOKEN}; {@link #accepts} compares SHA-256 digests of the two with {@link MessageDigest#isEqual}, so the time it
 * takes depends on neither the secret's length nor on how much of it a guess got right. The token itself is
 * never logged or put in an error.
 */
public final class BearerToken {
    /** Shorter secrets are refused at start: a token is a password that scripts hold, not one people type. */
    static final int MIN_LENGTH = 16;

    private static final String SCHEME = "Bearer ";

    private final byte[] digest;

    private BearerToken(String token) {
        this.digest = sha256(token);
    }

    /**
     * The listener's token from its file or environment variable.
     *
     * @throws IllegalArgumentException naming the setting, when the token is missing, short, or its file is
     *                                  readable by every user
     */
    public static BearerToken load(AgentConfig.TokenListener listener) {
        return load(listener, System::getenv);
    }

    static BearerToken load(AgentConfig.TokenListener listener, UnaryOperator<String> environment) {
        String where;
        String text;
        if (listener.tokenFile().isPresent()) {
            Path file = listener.tokenFile().get();
            where = "membrane.api.token-listener.token-file " + file;
            text = readPrivate(file, where);
        } else {
            String name = listener.tokenEnv().orElseThrow();
            where = "membrane.api.token-listener.token-env " + name;
            text = environment.apply(name);
        }
        String token = text == null ? "" : text.strip();
        if (token.isEmpty()) {
            throw new IllegalArgumentException(where + ": no token (the full API over TCP needs one)");
        }
        if (token.length() < MIN_LENGTH || !token.chars().allMatch(c -> c > ' ' && c < 127)) {
            throw new IllegalArgumentException(where + ": the token must be at least " + MIN_LENGTH
                    + " printable ASCII characters without spaces (e.g. openssl rand -hex 32)");
        }
        return new BearerToken(token);
    }

    private static String readPrivate(Path file, String where) {
        try {
            if (Files.getPosixFilePermissions(file).contains(PosixFilePermission.OTHERS_READ)) {
                throw new IllegalArgumentException(where + " is readable by every user (chmod o-r it)");
            }
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException(where + ": cannot read it (" + e + ")", e);
        }
    }

    /** Whether {@code authorization}, the request's header value if it has one, carries this token. */
    public boolean accepts(Optional<String> authorization) {
        String presented = authorization
                .filter(a -> a.regionMatches(true, 0, SCHEME, 0, SCHEME.length()))
                .map(a -> a.substring(SCHEME.length()).strip())
                .orElse("");
        // Digests of equal length: isEqual's time then depends on nothing the caller controls.
        return MessageDigest.isEqual(digest, sha256(presented)) && !presented.isEmpty();
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    @Override
    public String toString() {
        return "BearerToken[redacted]";
    }
}
