package io.polarerasure.kernel;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** Durations, and the times they run between, as operators read them, on the console and in the summary page alike. */
public final class Durations {

    private static final DateTimeFormatter UTC = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'")
            .withZone(ZoneOffset.UTC);

    private Durations() {
    }

    /** {@code 2026-11-28 02:30:00 UTC}: an instant to the second (truncated), in UTC, saying so. */
    public static String utc(Instant instant) {
        return UTC.format(instant);
    }

    /**
     * {@code 45 s}, {@code 12 min 40 s} or {@code 2 h 5 min}: whole seconds, the two largest units, negative
     * durations as {@code 0 s}.
     */
    public static String human(Duration duration) {
        long seconds = Math.max(0, duration.toSeconds());
        if (seconds < 60) {
            return seconds + " s";
        }
        if (seconds < 3600) {
            return seconds / 60 + " min " + seconds % 60 + " s";
        }
        return seconds / 3600 + " h " + seconds % 3600 / 60 + " min";
    }
}
