package io.polarerasure.input;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.ref.Reference;
import java.util.List;
import java.util.Locale;

import org.junit.jupiter.api.Test;

class DuplicateIndexTest {

    private static final int DISTINCT = 1_000_000;

    @Test
    void maps_each_later_occurrence_to_the_first_and_leaves_the_rest_empty() {
        DuplicateIndex.Builder builder = new DuplicateIndex.Builder();
        builder.add(1, "a");
        builder.add(2, "b");
        builder.add(4, "a");
        builder.add(5, "A");
        builder.add(7, "a");

        DuplicateIndex index = builder.build();

        assertThat(index.firstRowOf(1)).isEmpty();
        assertThat(index.firstRowOf(2)).isEmpty();
        assertThat(index.firstRowOf(3)).isEmpty();
        assertThat(index.firstRowOf(4)).hasValue(1);
        assertThat(index.firstRowOf(5)).isEmpty();
        assertThat(index.firstRowOf(7)).hasValue(1);
        assertThat(index.firstRowOf(0)).isEmpty();
        assertThat(index.firstRowOf(Long.MAX_VALUE)).isEmpty();
        assertThat(index.count()).isEqualTo(2);
    }

    @Test
    void compares_ids_exactly() {
        DuplicateIndex.Builder builder = new DuplicateIndex.Builder();
        List<String> distinct = List.of("é", "e\u0301", "ss", "ß", "a", "a ", "İ", "i");
        for (int i = 0; i < distinct.size(); i++) {
            builder.add(i + 1, distinct.get(i));
        }
        assertThat(builder.build().count()).isZero();
    }

    @Test
    void fingerprints_must_match_in_all_128_bits() {
        DuplicateIndex.Builder builder = new DuplicateIndex.Builder();
        builder.add(1, 42L, 1L);
        builder.add(2, 42L, 2L);
        builder.add(3, 43L, 1L);
        builder.add(4, 42L, 2L);

        DuplicateIndex index = builder.build();

        assertThat(index.firstRowOf(2)).isEmpty();
        assertThat(index.firstRowOf(3)).isEmpty();
        assertThat(index.firstRowOf(4)).hasValue(2);
    }

    @Test
    void keeps_every_duplicate_of_a_file_that_repeats_a_few_ids_many_times() {
        DuplicateIndex.Builder builder = new DuplicateIndex.Builder();
        int rows = 100_000;
        for (int row = 1; row <= rows; row++) {
            builder.add(row, "id-" + row % 3);
        }

        DuplicateIndex index = builder.build();

        assertThat(index.count()).isEqualTo(rows - 3);
        assertThat(index.firstRowOf(1)).isEmpty();
        assertThat(index.firstRowOf(3)).isEmpty();
        assertThat(index.firstRowOf(4)).hasValue(1);
        assertThat(index.firstRowOf(50_000)).hasValue(2);
        assertThat(index.firstRowOf(rows)).hasValue(1);
        assertThat(index.firstRowOf(rows + 1)).isEmpty();
    }

    @Test
    void refuses_rows_out_of_order() {
        DuplicateIndex.Builder builder = new DuplicateIndex.Builder();
        builder.add(2, "a");

        assertThatThrownBy(() -> builder.add(2, "b")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void one_million_distinct_ids_and_injected_duplicates() {
        List<MemoryPoolMXBean> heap = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(pool -> pool.getType() == MemoryType.HEAP)
                .toList();
        System.gc();
        long before = used(heap);
        heap.forEach(MemoryPoolMXBean::resetPeakUsage);
        long start = System.nanoTime();

        DuplicateIndex.Builder builder = new DuplicateIndex.Builder();
        for (int row = 1; row <= DISTINCT; row++) {
            builder.add(row, "customer-" + row);
        }
        builder.add(DISTINCT + 1, "customer-1");
        builder.add(DISTINCT + 2, "CUSTOMER-2");
        builder.add(DISTINCT + 3, "customer-" + DISTINCT);
        builder.add(DISTINCT + 4, "customer-1");
        long millis = (System.nanoTime() - start) / 1_000_000;
        long peak = heap.stream().mapToLong(pool -> pool.getPeakUsage().getUsed()).sum() - before;
        System.gc();
        long table = used(heap) - before;
        Reference.reachabilityFence(builder);
        DuplicateIndex index = builder.build();
        builder = null; // so that the next figure shows what stays after the scan
        System.gc();
        long after = used(heap) - before;

        System.out.printf(Locale.ROOT, "DuplicateIndex with %,d distinct IDs: table retained %.1f MiB, heap peak"
                        + " (all pools, garbage included) %.1f MiB, after build %,d bytes, %,d ms%n",
                DISTINCT, table / 1048576.0, peak / 1048576.0, after, millis);
        // The table lives in a mapped file, not on the heap (on the heap it held 40 MiB per million IDs).
        assertThat(table).isLessThan(8L << 20);
        assertThat(index.count()).isEqualTo(3);
        assertThat(index.firstRowOf(DISTINCT + 1)).hasValue(1);
        assertThat(index.firstRowOf(DISTINCT + 2)).isEmpty();
        assertThat(index.firstRowOf(DISTINCT + 3)).hasValue(DISTINCT);
        assertThat(index.firstRowOf(DISTINCT + 4)).hasValue(1);
        assertThat(index.firstRowOf(DISTINCT)).isEmpty();
    }

    private static long used(List<MemoryPoolMXBean> heap) {
        return heap.stream().mapToLong(pool -> pool.getUsage().getUsed()).sum();
    }
}
