package io.polarerasure.job;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * What one run got from Polar, read once from where it is kept: the {@link Ledger} holds the answers of its
 * committed chunks, its journal ({@link RunJournal}) what was sent after its last checkpoint. The one place that
 * says which of its rows are settled (an answer recorded), which are in doubt (a request sent without a recorded
 * answer: it may have landed) and which were withdrawn (requests that provably changed nothing, still counted).
 * Read-only; not thread-safe.
 */
final class RunAnswers {

    private final Ledger ledger;
    private final long runId;
    private final long checkpoint;
    private final Map<Long, OutcomeJournal.Entry> journal;

    private RunAnswers(Ledger ledger, long runId, long checkpoint, Map<Long, OutcomeJournal.Entry> journal) {
        this.ledger = ledger;
        this.runId = runId;
        this.checkpoint = checkpoint;
        this.journal = journal;
    }

    /**
     * Reads the run's journal, without changing it; the ledger is asked later, row range by row range.
     *
     * @param runId        the run's job instance id, as the ledger keys it
     * @param checkpoint   the last row the run's report committed
     * @param largestChunk the largest chunk the run used ({@link ErasureProcessor#LARGEST_CHUNK}), 0 if it never
     *                     started a step: a journal a machine crash may have cut puts that many rows after the
     *                     checkpoint in doubt
     * @throws IOException if the journal cannot be read
     */
    static RunAnswers read(RunJournal journal, Ledger ledger, long runId, long checkpoint, int largestChunk)
            throws IOException {
        return new RunAnswers(ledger, runId, checkpoint, journal.recorded(checkpoint + 1, checkpoint + largestChunk));
    }

    /** The journal's entry for a row after the checkpoint, or null where it holds none: the row was never sent. */
    OutcomeJournal.Entry afterCheckpoint(long row) {
        return row > checkpoint ? journal.get(row) : null;
    }

    /** The ledger's answers to committed rows {@code from} through {@code through}, by row. */
    Map<Long, Ledger.Entry> committed(long from, long through) {
        return ledger.entriesOfRun(runId, from, through).stream()
                .collect(Collectors.toMap(Ledger.Entry::row, Function.identity()));
    }

    /**
     * Why the run may have changed something at Polar or settled a row, in the operator's words with the rows named:
     * the ledger holds an answer of it, or its journal an answer or a request in doubt (anything but withdrawn
     * requests), even for a committed row (a crash between a commit and the journal's emptying). Empty when none.
     *
     * @param apiUrl the API the run was started against, named in the words
     */
    Optional<String> harm(String apiUrl) {
        if (ledger.hasAnswers(runId)) {
            return Optional.of(apiUrl + " answered some of its requests (kept in the job repository's ledger): those"
                    + " rows were settled there");
        }
        List<Long> inDoubt = new ArrayList<>();
        List<Long> answered = new ArrayList<>();
        journal.forEach((row, entry) -> {
            if (!entry.isWithdrawn()) {
                (entry.sending() ? inDoubt : answered).add(row);
            }
        });
        List<String> why = new ArrayList<>();
        if (!inDoubt.isEmpty()) {
            why.add(inDoubt.size() + " request(s) in doubt, sent with no answer recorded (row(s) " + rows(inDoubt)
                    + "): " + apiUrl + " may have erased those customers");
        }
        if (!answered.isEmpty()) {
            why.add(answered.size() + " answer(s) of " + apiUrl + " kept in its journal after its checkpoint (row(s) "
                    + rows(answered) + "): those rows were settled there");
        }
        return why.isEmpty() ? Optional.empty() : Optional.of(String.join("; and ", why));
    }

    /** Row numbers in order, the first ten of them. */
    private static String rows(List<Long> rows) {
        List<Long> sorted = rows.stream().sorted().toList();
        return sorted.stream().limit(10).map(String::valueOf).collect(Collectors.joining(", "))
                + (sorted.size() > 10 ? " and " + (sorted.size() - 10) + " more" : "");
    }

    /**
     * Counts a journal's rows after the checkpoint: settled (an answer recorded) and in doubt (sent, no answer
     * recorded); withdrawn rows are neither.
     */
    static InterruptedChunk afterCheckpoint(Map<Long, OutcomeJournal.Entry> journal, long checkpoint) {
        long answered = 0;
        long unanswered = 0;
        for (Map.Entry<Long, OutcomeJournal.Entry> entry : journal.entrySet()) {
            if (entry.getKey() > checkpoint && !entry.getValue().isWithdrawn()) {
                if (entry.getValue().sending()) {
                    unanswered++;
                } else {
                    answered++;
                }
            }
        }
        return new InterruptedChunk(answered, unanswered);
    }
}
