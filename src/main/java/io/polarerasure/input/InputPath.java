package io.polarerasure.input;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Whether a path given as the request file is one a run can use: a regular file this user may read. A run reads
 * the file more than once (checked, then copied byte for byte for the run and its resumes), which a pipe such as
 * {@code /dev/stdin} or a device cannot give.
 */
public final class InputPath {

    private static final int TYPE_BITS = 0170000;
    private static final int FIFO = 0010000;
    private static final int CHARACTER_DEVICE = 0020000;
    private static final int BLOCK_DEVICE = 0060000;
    private static final int SOCKET = 0140000;

    private InputPath() {
    }

    /** What is wrong with {@code input} as a request file, as a message naming it and what to do; empty if nothing. */
    public static Optional<String> problem(Path input) {
        String start = "Cannot read the request file " + input + ": ";
        if (!Files.exists(input)) {
            return Optional.of(start + "it does not exist. Check the path and run again.");
        }
        if (Files.isDirectory(input)) {
            return Optional.of(start + "it is a folder. Give the path of the file in it, and run again.");
        }
        if (!Files.isRegularFile(input)) {
            return Optional.of(start + "it is " + kind(input) + ", not a regular file: a run reads the file more than"
                    + " once and keeps a copy of it to resume from. Save the request file to a regular file first"
                    + " (e.g. `cat > requests.csv`), then run with --input on that file.");
        }
        if (!Files.isReadable(input)) {
            return Optional.of(start + "this user may not read it. Fix its permissions (or run as its owner), and"
                    + " run again.");
        }
        return Optional.empty();
    }

    /** "a pipe", "a device"...: what a path that is not a regular file is, where the system says (Linux, macOS). */
    private static String kind(Path input) {
        int mode;
        try {
            mode = (Integer) Files.getAttribute(input, "unix:mode") & TYPE_BITS;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException | ClassCastException e) {
            return "a pipe, a device or a socket";
        }
        return switch (mode) {
            case FIFO -> "a pipe (such as /dev/stdin fed by another command)";
            case CHARACTER_DEVICE, BLOCK_DEVICE -> "a device (such as a terminal behind /dev/stdin)";
            case SOCKET -> "a socket";
            default -> "something other than a file";
        };
    }
}
