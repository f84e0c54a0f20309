package io.polarerasure.input;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Writes request files for tests and reads them back through {@link RequestFile}. */
public final class RequestFiles {

    private RequestFiles() {
    }

    public static Path write(Path dir, String content) {
        return write(dir, content.getBytes(StandardCharsets.UTF_8));
    }

    public static Path write(Path dir, byte[] content) {
        try {
            return Files.write(dir.resolve("requests.csv"), content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<RequestRow> rows(Path file) {
        return rows(file, "external_id");
    }

    static List<RequestRow> rows(Path file, String idColumn) {
        List<RequestRow> rows = new ArrayList<>();
        try (RequestFile.Rows all = RequestFile.open(file, idColumn).rows()) {
            for (RequestRow row = all.next(); row != null; row = all.next()) {
                rows.add(row);
            }
        }
        return rows;
    }
}
