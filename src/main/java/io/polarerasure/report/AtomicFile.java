package io.polarerasure.report;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.CopyOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Writes an owner-only file whole or not at all: into {@code <file>.partial} next to it (a leftover of a crash is
 * deleted first), forced to disk, then moved into place in one step. A reader sees the old file or the new one,
 * never half of one; on any error the partial file is removed and the target is untouched.
 */
public final class AtomicFile {

    /**
     * Writes the content; returns false to discard it and leave the target as it was. Content that closes the
     * channel (through a {@code Writer} over it) must force it to disk first.
     */
    @FunctionalInterface
    public interface Content {
        boolean writeTo(FileChannel out) throws IOException;
    }

    private AtomicFile() {
    }

    /** Writes {@code content} over {@code file}, replacing any file there. */
    public static void replace(Path file, byte[] content) throws IOException {
        replace(file, out -> {
            writeFully(out, content);
            return true;
        });
    }

    /** As {@link #replace(Path, byte[])}, with the content written by the caller. */
    public static void replace(Path file, Content content) throws IOException {
        write(file, content, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * As {@link #replace(Path, Content)}, but never over an existing file (one that appeared meanwhile included:
     * the move then fails with {@code FileAlreadyExistsException}).
     *
     * @return whether the file was written (false when the content asked to discard it)
     */
    public static boolean createNew(Path file, Content content) throws IOException {
        return write(file, content, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Writes all of {@code bytes} at the channel's position. */
    public static void writeFully(FileChannel out, byte[] bytes) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
            out.write(buffer);
        }
    }

    private static boolean write(Path file, Content content, CopyOption... move) throws IOException {
        Path partial = file.resolveSibling(file.getFileName() + ".partial");
        Files.deleteIfExists(partial);
        ReportFormat.createOwnerOnly(partial);
        boolean keep;
        try (FileChannel out = FileChannel.open(partial, StandardOpenOption.WRITE)) {
            keep = content.writeTo(out);
            if (out.isOpen()) {
                out.force(true);
            }
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(partial);
            throw e;
        }
        if (!keep) {
            Files.delete(partial);
            return false;
        }
        Files.move(partial, file, move);
        return true;
    }
}
