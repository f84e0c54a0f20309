package io.polarerasure.input;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Fixed-size records in a memory-mapped temporary file, outside the Java heap: the page cache holds them and the
 * kernel can write them out under memory pressure, so {@code -Xmx} does not bound how many there can be. The file
 * is deleted as soon as it is mapped (its pages stay until the mapping is collected), so nothing is left on disk
 * even after {@code kill -9}; it is created owner-only in {@code java.io.tmpdir}. Absolute reads are thread-safe;
 * writes are not.
 */
final class MappedRecords {

    /** Records per mapped segment: a power of two so that no record straddles two segments. */
    private final int segmentShift;
    private final int recordSize;
    private final long count;
    private final MappedByteBuffer[] segments;

    /**
     * Maps {@code count} records of {@code recordSize} bytes, all zero.
     *
     * @throws UncheckedIOException if the temporary file cannot be created or mapped
     */
    MappedRecords(int recordSize, long count) {
        this.recordSize = recordSize;
        this.count = count;
        // Segments of at most 2^30 bytes rounded down to whole records (a MappedByteBuffer holds < 2 GiB).
        this.segmentShift = 63 - Long.numberOfLeadingZeros((1L << 30) / recordSize);
        long perSegment = 1L << segmentShift;
        int n = (int) ((count + perSegment - 1) / perSegment);
        this.segments = new MappedByteBuffer[n];
        try {
            Path file = Files.createTempFile("polar-erasure-index-", ".tmp");
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                for (int i = 0; i < n; i++) {
                    long first = i * perSegment;
                    long records = Math.min(perSegment, count - first);
                    segments[i] = channel.map(FileChannel.MapMode.READ_WRITE, first * recordSize, records * recordSize);
                }
            } finally {
                deleteMapped(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot map a temporary file for the duplicate index in "
                    + System.getProperty("java.io.tmpdir") + " (set -Djava.io.tmpdir to a folder with free space): "
                    + e.getMessage(), e);
        }
    }

    /** Linux unlinks a mapped file at once; where a mapped file cannot be deleted (Windows), it goes at exit. */
    private static void deleteMapped(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            file.toFile().deleteOnExit();
        }
    }

    /** How many records. */
    long count() {
        return count;
    }

    long getLong(long record, int field) {
        return segment(record).getLong(offset(record) + field);
    }

    int getInt(long record, int field) {
        return segment(record).getInt(offset(record) + field);
    }

    void putLong(long record, int field, long value) {
        segment(record).putLong(offset(record) + field, value);
    }

    void putInt(long record, int field, int value) {
        segment(record).putInt(offset(record) + field, value);
    }

    private MappedByteBuffer segment(long record) {
        return segments[(int) (record >>> segmentShift)];
    }

    private int offset(long record) {
        return (int) (record & ((1L << segmentShift) - 1)) * recordSize;
    }
}
