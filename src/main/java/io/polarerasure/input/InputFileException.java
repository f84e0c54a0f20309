package io.polarerasure.input;

import io.polarerasure.kernel.ExitCodes;
import io.polarerasure.kernel.OperatorFault;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The request file cannot be used as a whole: unreadable, not UTF-8 text, not valid CSV, or without the ID
 * column. The message names the file, the line and the problem, and says what to do, so an operator can fix
 * the export without reading code.
 */
public class InputFileException extends RuntimeException implements OperatorFault {

    private static final long serialVersionUID = 1L;

    /** {@inheritDoc} The input cannot be read as asked: found before anything is sent. */
    @Override
    public int exitCode() {
        return ExitCodes.USAGE;
    }

    public InputFileException(String message) {
        super(message);
    }

    public InputFileException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The file cannot be opened or measured at all, so no line can be named. */
    static InputFileException unreadable(Path file, IOException cause) {
        return new InputFileException(file + ": cannot be read (" + cause + "). Check the path and the file's"
                + " permissions and run again.", cause);
    }

    /** Formats {@code "<file> line <n>: <problem and advice>"}, the one shape every message here follows. */
    static InputFileException at(Path file, long line, String problemAndAdvice) {
        return at(file, line, problemAndAdvice, null);
    }

    static InputFileException at(Path file, long line, String problemAndAdvice, Throwable cause) {
        return new InputFileException(file + " line " + line + ": " + problemAndAdvice, cause);
    }
}
