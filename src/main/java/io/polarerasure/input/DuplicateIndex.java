package io.polarerasure.input;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.OptionalLong;

import io.polarerasure.Sha256;

/**
 * Which rows repeat the external ID of an earlier valid row of the same file (exact, case-sensitive comparison of
 * trimmed IDs). Holds only the duplicate rows, usually few, so it costs almost nothing after the scan. Immutable and
 * thread-safe.
 */
public final class DuplicateIndex {

    /** Duplicate rows in ascending order, and the first row with the same ID at the same index. */
    private final int[] rows;
    private final int[] firstRows;

    private DuplicateIndex(int[] rows, int[] firstRows) {
        this.rows = rows;
        this.firstRows = firstRows;
    }

    /** For a DUPLICATE row, the number of the first row with the same ID; empty for every other row. */
    public OptionalLong firstRowOf(long row) {
        if (row < 1 || row > Integer.MAX_VALUE) {
            return OptionalLong.empty();
        }
        int at = Arrays.binarySearch(rows, (int) row);
        return at >= 0 ? OptionalLong.of(firstRows[at]) : OptionalLong.empty();
    }

    /** How many rows are duplicates. */
    public int count() {
        return rows.length;
    }

    /**
     * Collects the valid IDs of one file in row order. Instead of the IDs (a million of them in a HashMap take over
     * 100 MB, against a 128 MB heap) it keeps a 128-bit fingerprint of each, the first 16 bytes of SHA-256 of its
     * UTF-8 form, in an open-addressing table of primitive arrays: 20 bytes a slot, at most 3/4 full, so 40 MiB for
     * a million IDs (60 MiB while the table doubles).
     *
     * <p>Two different IDs with the same fingerprint would make the later one a false DUPLICATE: that request would
     * be reported but not carried out. Among n = 1,000,000 IDs the chance of any such pair is at most
     * n²/2 / 2¹²⁸ ≈ 1.5 × 10⁻²⁷ (1.5 × 10⁻²³ at 100 million rows), and making two IDs collide on purpose would take
     * some 2⁶⁴ SHA-256 computations. Not thread-safe.
     */
    static final class Builder {

        private static final int INITIAL_CAPACITY = 1 << 10;

        private final MessageDigest sha256 = Sha256.newDigest();
        private long[] high = new long[INITIAL_CAPACITY];
        private long[] low = new long[INITIAL_CAPACITY];
        /** The row of the first occurrence; 0 marks a free slot since rows start at 1. */
        private int[] firstRow = new int[INITIAL_CAPACITY];
        private int size;
        private int lastRow;

        private int[] duplicateRows = new int[16];
        private int[] duplicateFirstRows = new int[16];
        private int duplicates;

        /**
         * Records the valid ID of {@code row}. Rows must come in ascending order, which keeps the duplicates
         * sorted for binary search.
         */
        void add(long row, String externalId) {
            ByteBuffer fingerprint = ByteBuffer.wrap(sha256.digest(externalId.getBytes(StandardCharsets.UTF_8)));
            add(row, fingerprint.getLong(), fingerprint.getLong());
        }

        /** Records a row by its fingerprint; the slot comes from {@code h}, uniform as it is a slice of SHA-256. */
        void add(long row, long h, long l) {
            if (row <= lastRow) {
                throw new IllegalArgumentException("rows must ascend: " + row + " after " + lastRow);
            }
            lastRow = Math.toIntExact(row);
            int mask = firstRow.length - 1;
            int slot = (int) h & mask;
            while (firstRow[slot] != 0) {
                if (high[slot] == h && low[slot] == l) {
                    addDuplicate(lastRow, firstRow[slot]);
                    return;
                }
                slot = (slot + 1) & mask;
            }
            high[slot] = h;
            low[slot] = l;
            firstRow[slot] = lastRow;
            if (++size > firstRow.length / 4 * 3) {
                grow();
            }
        }

        /** The duplicates found; the table goes with the builder. */
        DuplicateIndex build() {
            return new DuplicateIndex(Arrays.copyOf(duplicateRows, duplicates),
                    Arrays.copyOf(duplicateFirstRows, duplicates));
        }

        private void addDuplicate(int row, int first) {
            if (duplicates == duplicateRows.length) {
                duplicateRows = Arrays.copyOf(duplicateRows, duplicates * 2);
                duplicateFirstRows = Arrays.copyOf(duplicateFirstRows, duplicates * 2);
            }
            duplicateRows[duplicates] = row;
            duplicateFirstRows[duplicates] = first;
            duplicates++;
        }

        private void grow() {
            long[] oldHigh = high;
            long[] oldLow = low;
            int[] oldFirstRow = firstRow;
            int capacity = oldFirstRow.length * 2;
            high = new long[capacity];
            low = new long[capacity];
            firstRow = new int[capacity];
            int mask = capacity - 1;
            for (int i = 0; i < oldFirstRow.length; i++) {
                if (oldFirstRow[i] != 0) {
                    int slot = (int) oldHigh[i] & mask;
                    while (firstRow[slot] != 0) {
                        slot = (slot + 1) & mask;
                    }
                    high[slot] = oldHigh[i];
                    low[slot] = oldLow[i];
                    firstRow[slot] = oldFirstRow[i];
                }
            }
        }
    }
}
