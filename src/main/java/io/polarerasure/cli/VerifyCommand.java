package io.polarerasure.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import io.polarerasure.report.ReportFacts;
import io.polarerasure.report.RunSummary;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code verify}: checks a report against its run summary and says whether it was altered. */
@Command(name = "verify", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Check an audit report against its run summary (<report>.summary.json): SHA-256, row count"
                + " and counts per outcome. Reads only the two files; needs no token and no job repository.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
                "0:the report is the one the summary describes",
                "1:the report was altered: it differs from its summary (the differences are listed)",
                "2:cannot check: the report or its summary is missing, the summary is unreadable, or it describes"
                        + " an unfinished run that has added rows since"})
final class VerifyCommand implements Callable<Integer> {

    static final int INTACT = 0;
    static final int ALTERED = 1;
    static final int CANNOT_CHECK = 2;

    @Spec
    CommandSpec spec;

    @Option(names = "--report", required = true, paramLabel = "FILE", description = "The audit report to check.")
    Path report;

    @Option(names = "--summary", paramLabel = "FILE",
            description = "Its run summary (default: the report's name followed by .summary.json).")
    Path summary;

    /** The summary of a report, or a usage error saying which of the two is missing or unreadable. */
    static RunSummary readSummary(Path report, Path summaryFile) {
        if (!Files.isRegularFile(report)) {
            throw new UsageException("The report " + report + " does not exist. Check the path and run again.");
        }
        if (!Files.isRegularFile(summaryFile)) {
            // The summary is written when an invocation ends: a run killed before that (also while it filed the
            // ledger, with every row in the report) has none, and resuming it is the way to one, not a backup.
            throw new UsageException("No run summary " + summaryFile + " next to the report, so it cannot be"
                    + " checked. A run writes its summary when it ends: if it was interrupted (killed, the machine"
                    + " stopped) or still goes, `polar-erasure status` shows it; run the same command again to"
                    + " resume it, which writes the summary, then verify again. The same holds when status shows the"
                    + " run COMPLETED but no summary was ever written (killed as it ended): the same command again"
                    + " sends nothing and writes it. Only if the summary was written and lost since, restore it from"
                    + " a backup (verify also takes its path with --summary FILE).");
        }
        try {
            return RunSummary.read(summaryFile);
        } catch (IOException e) {
            throw new UsageException(e.getMessage());
        }
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Path summaryFile = summary != null ? summary : RunSummary.pathFor(report);
        RunSummary expected = readSummary(report, summaryFile);
        List<String> differences;
        try {
            differences = expected.differences(ReportFacts.read(report));
        } catch (IOException e) {
            differences = List.of(e.getMessage());
        }
        if (!differences.isEmpty() && !expected.finalReport() && grew(report, expected)) {
            // The summary of an invocation that stopped; a later one resumed the run, added rows, and ended
            // without its summary (killed, also while it filed the ledger) or is still going. Resuming writes it.
            out.printf("NOT CHECKED: %s has more rows than its summary %s, which describes run %d as it stood when an"
                    + " earlier invocation ended (%s, %d rows). A later invocation went on and has not written its"
                    + " summary: it was interrupted (killed, the machine stopped) or still goes; `polar-erasure"
                    + " status` shows which. Run the same command again to resume the run, which writes the summary,"
                    + " then verify again.%n", report, summaryFile, expected.runId(), expected.state(),
                    expected.counts().total());
            return CANNOT_CHECK;
        }
        if (!differences.isEmpty()) {
            out.printf("ALTERED: %s does not match its summary %s:%n", report, summaryFile);
            differences.forEach(difference -> out.printf("  - %s%n", difference));
            out.printf("It is not the report run %d wrote; use the original from a backup as evidence.%n",
                    expected.runId());
            return ALTERED;
        }
        out.printf("INTACT: %s matches its summary (SHA-256 %s, %d rows: %s).%n", report, expected.reportSha256(),
                expected.counts().total(), expected.counts());
        out.printf("  run %d of %s (input SHA-256 %s), %s %s, exit code %d%n", expected.runId(),
                expected.inputFile(), expected.inputSha256(), expected.state(), expected.finished(),
                expected.exitCode());
        if (expected.provenance().abandonedReason() != null) {
            out.printf("  The run was abandoned: %s%n", expected.provenance().abandonedReason());
        }
        if (!expected.finalReport()) {
            out.printf("  Note: the run had not completed (%s); this report is not final. Run the same command again"
                    + " to finish it, or `abandon --report %s` to close it as it is.%n", expected.state(), report);
        }
        if (expected.pending() != null) {
            out.printf("  Beyond the report when the summary was written: %d row(s) answered by Polar only in the"
                    + " run's journal, %d sent without a recorded answer, %d not yet sent.%n",
                    expected.pending().answeredInJournal(), expected.pending().sentWithoutAnswer(),
                    expected.pending().notYetSent());
        }
        return INTACT;
    }

    /** Whether the report holds more rows than the summary of its unfinished run counted. */
    private static boolean grew(Path report, RunSummary expected) {
        try {
            return ReportFacts.read(report).rows() > expected.counts().total();
        } catch (IOException e) {
            return false;
        }
    }
}
