package io.polarerasure.job;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Paths as runs record and print them: absolute, without {@code .} and {@code ..} (e.g. {@code /data/sub/../req.csv}
 * becomes {@code /data/req.csv}), unless removing them would name another file: {@code sub/..} where {@code sub} is
 * a symbolic link leads elsewhere, and such a path is kept as given, made absolute.
 */
public final class NormalPath {

    private NormalPath() {
    }

    /** The path, absolute and normalised where that names the same file (its folder must exist to tell). */
    public static Path of(Path path) {
        Path absolute = path.toAbsolutePath();
        Path normal = absolute.normalize();
        if (normal.equals(absolute)) {
            return absolute;
        }
        try {
            Path folder = absolute.getParent();
            Path normalFolder = normal.getParent();
            if (folder != null && normalFolder != null && Files.isSameFile(folder, normalFolder)) {
                return normal;
            }
        } catch (IOException e) {
            // A folder that does not exist (yet): keep the path as given.
        }
        return absolute;
    }
}
