package io.membrane.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The order contenders run in within a round: as given on even rounds, reversed on odd ones, so a candidate and
 * its baseline see the same drift of the machine (caches, frequency, the other load) and neither always runs
 * first.
 */
public final class RoundOrder {
    private RoundOrder() {}

    public static <T> List<T> of(List<T> contenders, int round) {
        List<T> order = new ArrayList<>(contenders);
        if (round % 2 == 1) {
            Collections.reverse(order);
        }
        return order;
    }

    /** For two contenders: whether the first of them runs first in {@code round}. */
    public static boolean firstGoesFirst(int round) {
        return round % 2 == 0;
    }
}
