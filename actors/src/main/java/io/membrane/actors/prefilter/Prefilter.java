package io.membrane.actors.prefilter;

import io.membrane.maps.net.Cidr;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the prefilter's CIDR maps: the only writer of them. Each successful change increments the revision; a
 * change that names a revision must name the current one. On start — and on every restart by its supervisor —
 * it rebuilds its state from the pinned maps, so entries written by an earlier agent (or before a crash) are
 * reported and kept; the revision is kept in the run directory so it never goes backwards across restarts.
 */
public final class Prefilter {
    private static final Logger LOG = LoggerFactory.getLogger(Prefilter.class);

    public sealed interface Command permits Add, Remove, Get {}

    public record Add(List<Cidr> cidrs, OptionalLong revision, ActorRef<Result> replyTo) implements Command {}

    public record Remove(List<Cidr> cidrs, OptionalLong revision, ActorRef<Result> replyTo) implements Command {}

    public record Get(ActorRef<Snapshot> replyTo) implements Command {}

    public sealed interface Result permits Applied, Rejected {}

    /** The change is in the maps; {@code changed} entries were new (add) or removed. */
    public record Applied(long revision, int changed) implements Result {}

    public record Rejected(PrefilterException.Reason reason, String offendingValue, String message) implements Result {}

    /** The deny list, IPv4 first, with the revision it belongs to. */
    public record Snapshot(long revision, List<Cidr> deny) {}

    private Prefilter() {
    }

    /**
     * @param tables      builds the table over the live maps (called again on restart)
     * @param revisionFile where the revision survives restarts
     */
    public static Behavior<Command> create(Supplier<PrefilterTable> tables, Path revisionFile) {
        return Behaviors.setup(ctx -> {
            PrefilterTable table = tables.get();
            int restored = table.restore().size();
            long[] revision = {Math.max(1, readRevision(revisionFile))};
            LOG.info("prefilter restored {} entries from the pinned maps, revision {}", restored, revision[0]);
            return Behaviors.receive(Command.class)
                    .onMessage(Get.class, g -> {
                        g.replyTo().tell(new Snapshot(revision[0], table.list()));
                        return Behaviors.same();
                    })
                    .onMessage(Add.class, a -> {
                        a.replyTo().tell(apply(a.revision(), revision, revisionFile, () -> table.add(a.cidrs())));
                        return Behaviors.same();
                    })
                    .onMessage(Remove.class, r -> {
                        r.replyTo().tell(apply(r.revision(), revision, revisionFile, () -> table.remove(r.cidrs())));
                        return Behaviors.same();
                    })
                    .build();
        });
    }

    private interface Change {
        int run();
    }

    private static Result apply(OptionalLong expected, long[] revision, Path revisionFile, Change change) {
        if (expected.isPresent() && expected.getAsLong() != revision[0]) {
            return new Rejected(PrefilterException.Reason.STALE_REVISION, String.valueOf(expected.getAsLong()),
                    "revision " + expected.getAsLong() + " is stale: the current revision is " + revision[0]);
        }
        try {
            int changed = change.run();
            revision[0]++;
            writeRevision(revisionFile, revision[0]);
            return new Applied(revision[0], changed);
        } catch (PrefilterException e) {
            return new Rejected(e.reason(), e.offendingValue(), e.getMessage());
        }
    }

    static long readRevision(Path file) {
        try {
            return Files.isRegularFile(file) ? Long.parseLong(Files.readString(file).strip()) : 1;
        } catch (IOException | NumberFormatException e) {
            LOG.warn("ignoring unreadable prefilter revision file {}: {}", file, e.getMessage());
            return 1;
        }
    }

    private static void writeRevision(Path file, long revision) {
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(tmp, Long.toString(revision), StandardCharsets.US_ASCII);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            // The maps are already changed; a lost revision file only resets the counter at the next start.
            LOG.warn("cannot persist prefilter revision {} to {}: {}", revision, file, e.getMessage());
        }
    }
}
