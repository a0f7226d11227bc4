package io.membrane.actors.prefilter;

import io.membrane.maps.net.Cidr;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.IntSupplier;
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

    public sealed interface Command permits UserChange, Reconcile, Adjust, Get {}

    /**
     * A user's change of the deny list (an add or a remove): all of {@code cidrs} or none, refused unless the list
     * is at {@code revision} when one is given.
     */
    public sealed interface UserChange extends Command permits Add, Remove {
        List<Cidr> cidrs();

        Scope scope();

        OptionalLong revision();

        ActorRef<Result> replyTo();
    }

    public record Add(List<Cidr> cidrs, Scope scope, OptionalLong revision, ActorRef<Result> replyTo)
            implements UserChange {}

    public record Remove(List<Cidr> cidrs, Scope scope, OptionalLong revision, ActorRef<Result> replyTo)
            implements UserChange {}

    /**
     * Makes {@code scope} hold exactly {@code desired} (the cluster bridge sends the replicated set): missing
     * entries are added, surplus ones removed, nothing else is touched. Bumps the revision only if something
     * changed.
     */
    public record Reconcile(Scope scope, Set<Cidr> desired, ActorRef<Result> replyTo) implements Command {}

    /**
     * Makes {@code scope} hold every CIDR of {@code present} and none of {@code absent}, nothing else touched: a
     * Reconcile limited to what changed (the cluster bridge sends the CIDRs of the replicated shards that
     * changed). Bumps the revision only if something changed.
     */
    public record Adjust(Scope scope, Set<Cidr> present, Set<Cidr> absent, ActorRef<Result> replyTo)
            implements Command {}

    public record Get(ActorRef<Snapshot> replyTo) implements Command {}

    public sealed interface Result permits Applied, Rejected {}

    /** The change is in the maps; {@code changed} entries were new (add) or removed. */
    public record Applied(long revision, int changed) implements Result {}

    public record Rejected(PrefilterException.Reason reason, String offendingValue, String message) implements Result {}

    /** The deny list, IPv4 first, with each entry's scopes and the revision it belongs to. */
    public record Snapshot(long revision, List<PrefilterTable.Entry> entries) {
        public List<Cidr> deny() {
            return entries.stream().map(PrefilterTable.Entry::cidr).toList();
        }
    }

    private final PrefilterTable table;
    private final Path revisionFile;

    private Prefilter(PrefilterTable table, Path revisionFile) {
        this.table = table;
        this.revisionFile = revisionFile;
    }

    /**
     * @param tables      builds the table over the live maps (called again on restart)
     * @param revisionFile where the revision survives restarts
     */
    public static Behavior<Command> create(Supplier<PrefilterTable> tables, Path revisionFile) {
        return Behaviors.setup(ctx -> {
            PrefilterTable table = tables.get();
            int restored = table.restore();
            long revision = Math.max(1, readRevision(revisionFile));
            LOG.info("prefilter restored {} entries from the pinned maps, revision {}", restored, revision);
            return new Prefilter(table, revisionFile).serving(revision);
        });
    }

    /** The only phase: the maps are restored and {@code revision} is the current one. */
    private Behavior<Command> serving(long revision) {
        return Behaviors.receive(Command.class)
                .onMessage(Get.class, g -> onGet(g, revision))
                .onMessage(UserChange.class, c -> onUserChange(c, revision))
                .onMessage(Reconcile.class, r -> onReconcile(r, revision))
                .onMessage(Adjust.class, a -> onAdjust(a, revision))
                .build();
    }

    private Behavior<Command> onGet(Get get, long revision) {
        get.replyTo().tell(new Snapshot(revision, table.list()));
        return Behaviors.same();
    }

    private Behavior<Command> onReconcile(Reconcile reconcile, long revision) {
        return write(
                revision, false, reconcile.replyTo(), () -> table.reconcile(reconcile.scope(), reconcile.desired()));
    }

    private Behavior<Command> onAdjust(Adjust adjust, long revision) {
        return write(
                revision,
                false,
                adjust.replyTo(),
                () -> table.adjust(adjust.scope(), adjust.present(), adjust.absent()));
    }

    /** Refused by {@link ChangeRules} or written; then it bumps the revision even if idempotent. */
    private Behavior<Command> onUserChange(UserChange change, long revision) {
        boolean add = change instanceof Add;
        Scope scope = change.scope();
        Optional<Rejected> refused = ChangeRules.checkRevision(change.revision(), revision)
                .or(() -> ChangeRules.checkList(change.cidrs(), add, scope, c -> table.holds(c, scope)));
        if (refused.isPresent()) {
            change.replyTo().tell(refused.get());
            return Behaviors.same();
        }
        return write(
                revision,
                true,
                change.replyTo(),
                () -> add ? table.add(change.cidrs(), scope) : table.remove(change.cidrs(), scope));
    }

    /** @param alwaysBump a user's change bumps the revision even when idempotent; a reconcile only if it changed */
    private Behavior<Command> write(long revision, boolean alwaysBump, ActorRef<Result> replyTo, IntSupplier change) {
        int changed;
        try {
            changed = change.getAsInt();
        } catch (PrefilterException e) {
            replyTo.tell(e.rejection());
            return Behaviors.same();
        }
        if (!alwaysBump && changed == 0) {
            replyTo.tell(new Applied(revision, 0));
            return Behaviors.same();
        }
        long next = revision + 1;
        writeRevision(revisionFile, next);
        replyTo.tell(new Applied(next, changed));
        return serving(next);
    }

    static long readRevision(Path file) {
        try {
            return Files.isRegularFile(file)
                    ? Long.parseLong(Files.readString(file).strip())
                    : 1;
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
