package io.polarerasure.job;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.polarerasure.report.ReportFormat;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * A running run's own account of where it is, kept in the state folder ({@code live-<run key>.json}) and replaced
 * every couple of seconds, so that {@code status} can show it while the run holds the embedded H2 repository
 * (which one process opens at a time). Deleted when the run ends; one left behind by a killed process is known by
 * its age ({@link #updatedAt}). Progress, not evidence: the report is the record.
 *
 * @param runKey             the run's key ({@link RunIdentity#key()})
 * @param host               host name of the running process
 * @param pid                its process id
 * @param input              the request file, absolute and normalised (status may run from another folder)
 * @param report             the report being written, null before the step starts
 * @param apiUrl             where requests go
 * @param rate               the configured rate, as the user wrote it
 * @param startedAt          when this invocation started
 * @param updatedAt          when this status was written
 * @param total              data rows of the input
 * @param answered           rows answered, committed or not
 * @param committed          rows in the report
 * @param answeredLastMinute rows answered in the last 60 s
 * @param counts             outcomes written by this invocation
 * @param waiting            what the run waits for now, or null while it sends
 * @param waitingUntil       when that wait ends, or null
 */
public record LiveStatus(String runKey, String host, long pid, String input, String report, String apiUrl,
                         String rate, Instant startedAt, Instant updatedAt, long total, long answered, long committed,
                         long answeredLastMinute, Map<String, Long> counts, String waiting, Instant waitingUntil) {

    /** Built on first use: Jackson's start-up (about 0.15 s) is for runs that have a live status to read or write. */
    private static final class Json {
        static final JsonMapper MAPPER = JsonMapper.builder().build();
    }
    private static final String PREFIX = "live-";
    private static final String SUFFIX = ".json";

    /** Where the live status of the run with this key is kept. */
    public static Path fileFor(Path stateDir, String runKey) {
        return stateDir.resolve(PREFIX + runKey + SUFFIX);
    }

    /**
     * Replaces the file atomically, so a reader sees the old status or the new one, never half of one.
     *
     * @throws UncheckedIOException if it cannot be written
     */
    public void write(Path stateDir) {
        Path file = fileFor(stateDir, runKey);
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            // Owner-only like everything in the state folder; not forced to disk: it is replaced in 2 s anyway.
            Files.deleteIfExists(temporary);
            ReportFormat.createOwnerOnly(temporary);
            Files.write(temporary, Json.MAPPER.writeValueAsBytes(this));
            try {
                Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Removes this run's live status; nothing if there is none. */
    public static void delete(Path stateDir, String runKey) throws IOException {
        Files.deleteIfExists(fileFor(stateDir, runKey));
    }

    /**
     * The live statuses of runs still going: on this host, those whose process is alive; elsewhere (a shared state
     * folder), those updated within the last 30 s.
     */
    public static List<LiveStatus> running(Path stateDir) throws IOException {
        String host = RunLease.hostName();
        List<LiveStatus> running = new ArrayList<>();
        for (LiveStatus status : all(stateDir)) {
            boolean alive = host.equals(status.host()) ? ProcessHandle.of(status.pid()).map(ProcessHandle::isAlive)
                    .orElse(false) : status.updatedAt().isAfter(Instant.now().minusSeconds(30));
            if (alive) {
                running.add(status);
            }
        }
        return running;
    }

    /** Every live status in the state folder, in name order; unreadable ones (being replaced) are left out. */
    public static List<LiveStatus> all(Path stateDir) throws IOException {
        List<LiveStatus> all = new ArrayList<>();
        if (!Files.isDirectory(stateDir)) {
            return all;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(stateDir, PREFIX + "*" + SUFFIX)) {
            List<Path> sorted = new ArrayList<>();
            files.forEach(sorted::add);
            sorted.sort(null);
            for (Path file : sorted) {
                try {
                    all.add(Json.MAPPER.readValue(Files.readAllBytes(file), LiveStatus.class));
                } catch (JacksonException | IOException e) {
                    // Replaced or removed as it was read: the next call sees it.
                }
            }
        }
        return all;
    }
}
