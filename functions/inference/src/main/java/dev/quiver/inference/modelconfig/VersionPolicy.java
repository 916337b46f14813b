package dev.quiver.inference.modelconfig;

import java.util.List;
import java.util.NavigableSet;
import java.util.SortedSet;
import java.util.TreeSet;

/** Which of the versions present in a model's folder are served. */
public sealed interface VersionPolicy {

    /** Selects the versions to serve from those present. */
    SortedSet<Long> select(NavigableSet<Long> present);

    /** The highest {@code count} versions. */
    record Latest(int count) implements VersionPolicy {
        @Override
        public SortedSet<Long> select(NavigableSet<Long> present) {
            TreeSet<Long> selected = new TreeSet<>();
            for (Long version : present.descendingSet()) {
                if (selected.size() == count) {
                    break;
                }
                selected.add(version);
            }
            return selected;
        }

        @Override
        public String toString() {
            return "latest " + count;
        }
    }

    /** Exactly these versions, those of them that are present. */
    record Specific(List<Long> versions) implements VersionPolicy {
        public Specific {
            versions = List.copyOf(versions);
        }

        @Override
        public SortedSet<Long> select(NavigableSet<Long> present) {
            TreeSet<Long> selected = new TreeSet<>(versions);
            selected.retainAll(present);
            return selected;
        }

        @Override
        public String toString() {
            return "specific " + versions;
        }
    }

    /** Every version present. */
    record All() implements VersionPolicy {
        @Override
        public SortedSet<Long> select(NavigableSet<Long> present) {
            return new TreeSet<>(present);
        }

        @Override
        public String toString() {
            return "all";
        }
    }
}
