package io.membrane.cluster.identity;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * The identity allocator's timing, from {@code membrane.identity} (this module's reference.conf explains each).
 *
 * @param releaseGrace how long a number must be unused and unasked for before it is released
 * @param releaseCheck how often the decider looks for numbers to release
 * @param tryTimeout   how long a node waits for the decider's answer before it asks again
 * @param deadline     how long a node keeps asking before the caller hears {@code IdentityUnavailableException}
 * @param writeTimeout the decider's WriteMajority and ReadMajority deadline
 */
public record IdentitySettings(
        Duration releaseGrace, Duration releaseCheck, Duration tryTimeout, Duration deadline, Duration writeTimeout) {
    public static IdentitySettings from(Config config) {
        Config c = config.getConfig("membrane.identity");
        return new IdentitySettings(
                c.getDuration("release-grace"),
                c.getDuration("release-check-interval"),
                c.getDuration("try-timeout"),
                c.getDuration("deadline"),
                c.getDuration("write-timeout"));
    }
}
