package io.polarerasure.job;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import javax.sql.DataSource;

import io.polarerasure.report.Outcome;
import io.polarerasure.report.ReportFacts;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.repository.JobRepository;

/**
 * What {@code status} knows of one recorded run: its execution's facts, who holds its lease, where its report is
 * now and what its journal keeps after the checkpoint. Read once from the job repository (and the state folder);
 * the command line only lays it out.
 *
 * @param holder          the process holding the run's lease; null if none does
 * @param databaseJournal the run's journal when the repository keeps it (PostgreSQL); null to read the state folder's
 * @param stateDir        the state folder, where a file journal and a nightly filing are looked for
 */
public record RunOverview(RunHistory.Run run, LeaseHolder holder,
                          Map<Long, OutcomeJournal.Entry> databaseJournal, Path stateDir) {

    /**
     * The runs recorded in the repository, most recently started first.
     *
     * @param inputSha256     only the runs of this content; null for all
     * @param journalInDatabase whether the repository keeps the journals (PostgreSQL) rather than the state folder
     * @throws SQLException if a journal in the repository cannot be read
     */
    public static List<RunOverview> load(JobRepository repository, DataSource dataSource, String inputSha256,
                                         boolean journalInDatabase, Path stateDir) throws SQLException {
        RunHistory history = new RunHistory(repository);
        List<RunHistory.Run> runs = inputSha256 == null ? history.all() : history.ofContent(inputSha256);
        Map<String, LeaseHolder> holders = RunLease.holders(dataSource);
        List<RunOverview> overviews = new ArrayList<>();
        for (RunHistory.Run run : runs) {
            // With PostgreSQL the journal is kept in the repository (DatabaseJournal), not in the state folder.
            Map<Long, OutcomeJournal.Entry> journal = journalInDatabase && !run.ended()
                    ? DatabaseJournal.read(dataSource, run.identity().key()) : null;
            overviews.add(new RunOverview(run, holders.get(run.identity().key()), journal, stateDir));
        }
        return overviews;
    }

    /** A holder killed on this machine leaves its lease behind: the run is not running, however fresh it is. */
    public boolean holderGone() {
        return holder != null && holder.goneFromThisMachine();
    }

    /** Whether a live process is running it now. */
    public boolean running() {
        return holder != null && !holderGone() && !run.ended() && run.state() == BatchStatus.STARTED;
    }

    /** The lease holder of an unfinished run, in words; empty when none holds it or the run ended. */
    public Optional<String> leaseLine() {
        if (holder == null || run.ended()) {
            return Optional.empty();
        }
        return Optional.of((holderGone() ? "stopped (process " + holder.pid() + " is gone; resume with the same"
                + " command); it held the lease: " : "leased by ") + holder.describe() + ".");
    }

    /** The journal's account of an unfinished run's rows after its checkpoint (see {@link InterruptedChunk}). */
    public Optional<String> journalLine() {
        if (run.ended()) {
            return Optional.empty();
        }
        try {
            return InterruptedChunk.of(run, databaseJournal, stateDir).describe(running());
        } catch (IOException | RuntimeException e) {
            return Optional.of("its journal cannot be read (" + e.getMessage() + ").");
        }
    }

    /**
     * Where the run's report is now: where it was written, else where nightly.sh files it
     * ({@code <done>/<UTC date>/<input name>-<first 12 hex of its SHA-256>/}, with done from
     * {@code POLAR_ERASURE_DONE}, next to the report's folder or in it).
     */
    public Optional<Path> report() {
        Path recorded = Path.of(run.reportFile());
        if (Files.exists(recorded)) {
            return Optional.of(recorded);
        }
        List<Path> doneFolders = new ArrayList<>();
        String configured = System.getenv("POLAR_ERASURE_DONE");
        if (configured != null && !configured.isBlank()) {
            doneFolders.add(Path.of(configured));
        }
        if (recorded.getParent() != null) {
            doneFolders.add(recorded.getParent().resolveSibling("done"));
            doneFolders.add(recorded.getParent().resolve("done"));
        }
        String folder = Path.of(run.inputFile()).getFileName() + "-" + run.inputSha256().substring(0, 12);
        for (Path done : doneFolders) {
            if (!Files.isDirectory(done)) {
                continue;
            }
            try (DirectoryStream<Path> days = Files.newDirectoryStream(done)) {
                for (Path day : days) {
                    Path filed = day.resolve(folder).resolve(recorded.getFileName());
                    if (Files.exists(filed)) {
                        return Optional.of(filed);
                    }
                }
            } catch (IOException e) {
                // An unreadable done folder: the report shows as not there.
            }
        }
        return Optional.empty();
    }

    /** The report's path now, else the recorded one (marked when the run had committed rows to it). */
    public String reportShown() {
        return report().map(Path::toString).orElse(run.reportFile()
                + (run.committedReportSha256() == null ? "" : " (not there any more)"));
    }

    /**
     * The run's own outcomes: those of the report bytes it committed, checked against their SHA-256, so that a
     * report moved away and replaced by another run's is never counted as this run's.
     */
    public String counts() {
        if (run.committedReportSha256() == null) {
            return "no rows yet";
        }
        Optional<Path> report = report();
        if (report.isEmpty()) {
            return "no report (moved away, not found in done/)";
        }
        try {
            ReportFacts facts = ReportFacts.read(report.get(), run.committedReportBytes());
            return facts.sha256().equals(run.committedReportSha256()) ? facts.counts().toString()
                    : "report changed or replaced since";
        } catch (IOException | RuntimeException e) {
            return "report unreadable";
        }
    }

    /** The run's committed report bytes, read where the report is now, if they are still the same bytes. */
    private Optional<ReportFacts> reportFacts(Optional<Path> report) {
        if (run.committedReportSha256() == null || report.isEmpty()) {
            return Optional.empty();
        }
        try {
            ReportFacts facts = ReportFacts.read(report.get(), run.committedReportBytes());
            return facts.sha256().equals(run.committedReportSha256()) ? Optional.of(facts) : Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Everything known of the run, for {@code status --format json}. */
    public Map<String, Object> facts() {
        Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("runKey", run.identity().key());
        facts.put("state", run.state().name());
        facts.put("rerun", run.rerun());
        facts.put("started", run.started());
        facts.put("finished", run.finished());
        facts.put("rowsDone", run.rowsDone());
        facts.put("inputRows", run.inputRows());
        facts.put("environment", run.identity().environment());
        facts.put("apiUrl", run.apiUrl());
        facts.put("rateLimit", run.rateLimit());
        facts.put("input", run.inputFile());
        facts.put("inputSha256", run.inputSha256());
        facts.put("recordedReport", run.reportFile());
        Optional<Path> report = report();
        facts.put("report", report.map(Path::toString).orElse(null));
        facts.put("counts", counts());
        reportFacts(report).ifPresent(found -> {
            Map<String, Long> byOutcome = new LinkedHashMap<>();
            for (Outcome outcome : Outcome.values()) {
                byOutcome.put(outcome.name(), found.counts().get(outcome));
            }
            facts.put("outcomes", byOutcome);
            facts.put("inDoubt", found.counts().inDoubt());
        });
        if (holder != null && !run.ended()) {
            facts.put("leaseHolder", holder.describe());
            facts.put("leaseHolderGone", holder.goneFromThisMachine());
        }
        if (!run.ended()) {
            try {
                InterruptedChunk journal = InterruptedChunk.of(run, databaseJournal, stateDir);
                facts.put("answersAfterCheckpoint", journal.answered());
                facts.put("requestsWithoutAnswer", journal.unanswered());
            } catch (IOException | RuntimeException e) {
                facts.put("journalError", e.getMessage());
            }
        }
        return facts;
    }
}
