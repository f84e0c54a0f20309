package io.polarerasure.job;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.polarerasure.report.AuditLine;
import io.polarerasure.report.Outcome;

/**
 * The journal's records, the same for {@link OutcomeJournal}'s file (one per line) and {@link DatabaseJournal}'s
 * table (one per table row): how an event is written as a record, and how a journal's records are replayed into
 * what it knows by row ({@link OutcomeJournal.Entry}). A record is a tab-separated line without its line break:
 * {@code S row attempt sentAtMs} (a DELETE is about to be sent; the time empty when unknown), {@code U row attempts}
 * (the SENDING marks are withdrawn: the DELETEs changed nothing), {@code O row id outcome status attempts detail
 * processedAtMs} (the row's answer). The first line of a journal is its header, which replaying skips.
 */
final class JournalRecords {

    private JournalRecords() {
    }

    /** {@code at} null: the row is in doubt but when its first DELETE went is unknown (a lost journal). */
    static String sendingRecord(long row, int attempt, Instant at) {
        return "S\t" + row + "\t" + attempt + "\t" + (at == null ? "" : at.toEpochMilli()) + "\n";
    }

    static String unmarkRecord(long row, int attempts) {
        return "U\t" + row + "\t" + attempts + "\n";
    }

    /** The records that rebuild an entry: an outcome, SENDING marks, or a withdrawn row with its count. */
    static String record(long row, OutcomeJournal.Entry entry) {
        if (entry.isWithdrawn()) {
            return sendingRecord(row, entry.attempts(), null) + unmarkRecord(row, entry.attempts());
        }
        return entry.sending() ? sendingRecord(row, entry.attempts(), entry.firstSentAt()) : outcomeRecord(entry.line());
    }

    static String outcomeRecord(AuditLine line) {
        return "O\t" + line.row() + "\t" + encode(line.externalId()) + "\t" + line.outcome().name() + "\t"
                + (line.httpStatus() == null ? "" : line.httpStatus()) + "\t" + line.attempts() + "\t"
                + encode(line.detail()) + "\t" + line.processedAt().toEpochMilli() + "\n";
    }

    /**
     * What a journal knows by row, replayed from its lines (header first). A journal that may have lost its tail
     * ({@code complete} false: a machine crash, or a journal from an older version) also has every row from
     * {@code doubtFrom} through {@code doubtThrough} without a record marked as possibly sent, with unknown
     * attempts: the interrupted chunk's rows are reported with that doubt, never as something else.
     *
     * @param source names the journal in errors
     * @throws IllegalStateException if a complete journal holds a line that is not a record
     */
    static Map<Long, OutcomeJournal.Entry> replay(Path source, List<String> lines, boolean complete, long doubtFrom,
                                                  long doubtThrough) {
        Map<Long, OutcomeJournal.Entry> entries = parse(source, lines, complete);
        if (!complete) {
            for (long row = doubtFrom; row <= doubtThrough; row++) {
                entries.putIfAbsent(row, new OutcomeJournal.Entry(true, null));
            }
        }
        return entries;
    }

    /**
     * Replays the records in order. Damage is refused in a complete journal, and skipped in one that a
     * machine crash may have left with garbage: the interrupted chunk's rows are in doubt anyway.
     */
    static Map<Long, OutcomeJournal.Entry> parse(Path source, List<String> lines, boolean strict) {
        Map<Long, OutcomeJournal.Entry> entries = new HashMap<>();
        for (int i = 1; i < lines.size(); i++) {
            String[] fields = lines.get(i).split("\t", -1);
            try {
                long row = Long.parseLong(fields[1]);
                switch (fields[0]) {
                    case "S" -> entries.merge(row, fields.length < 4 ? new OutcomeJournal.Entry(true, null)
                            : new OutcomeJournal.Entry(true, null, Integer.parseInt(fields[2]), fields[3].isEmpty()
                                    ? null : Instant.ofEpochMilli(Long.parseLong(fields[3]))), JournalRecords::later);
                    case "U" -> {
                        entries.remove(row);
                        int attempts = fields.length > 2 ? Integer.parseInt(fields[2]) : 0;
                        if (attempts > 0) {
                            entries.put(row, OutcomeJournal.Entry.withdrawn(attempts));
                        }
                    }
                    case "O" -> entries.put(row, new OutcomeJournal.Entry(false, new AuditLine(row, decode(fields[2]),
                            Outcome.valueOf(fields[3]), fields[4].isEmpty() ? null : Integer.valueOf(fields[4]),
                            Integer.parseInt(fields[5]), decode(fields[6]), Instant.ofEpochMilli(Long.parseLong(fields[7])))));
                    default -> throw new IllegalArgumentException("unknown record type " + fields[0]);
                }
            } catch (RuntimeException e) {
                if (strict) {
                    throw new IllegalStateException(source + " line " + (i + 1) + " is not a journal record (" + e
                            + "): the file was changed by something else than polar-erasure. Restore it, or move it"
                            + " away to treat the interrupted chunk's rows as possibly sent, and run again.", e);
                }
            }
        }
        return entries;
    }

    /** Another DELETE of a row already sending keeps the first one's time (unknown stays unknown). */
    private static OutcomeJournal.Entry later(OutcomeJournal.Entry known, OutcomeJournal.Entry next) {
        if (!known.sending()) {
            return next;
        }
        Instant first = known.firstSentAt() == null ? null : next.firstSentAt() == null ? null
                : known.firstSentAt().isBefore(next.firstSentAt()) ? known.firstSentAt() : next.firstSentAt();
        return new OutcomeJournal.Entry(true, null, Math.max(known.attempts(), next.attempts()), first);
    }

    /** Percent-encoding keeps tabs and line breaks, which Polar's messages may hold, out of the record. */
    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }

    private static String decode(String text) {
        return URLDecoder.decode(text, StandardCharsets.UTF_8);
    }
}
