package io.membrane.actors.identity;

/**
 * No decider answered an allocation in time: its node may have just died and not be downed yet. Nothing was
 * allocated for the caller; asking again later is safe (the same labels always get the same number).
 */
public final class IdentityUnavailableException extends RuntimeException {
    public IdentityUnavailableException(String message) {
        super(message);
    }
}
