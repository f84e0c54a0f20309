package io.polarerasure.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import io.polarerasure.kernel.ExitCodes;
import io.polarerasure.report.HtmlSummary;
import io.polarerasure.report.ReportFacts;
import io.polarerasure.report.RetryFile;
import io.polarerasure.report.RunSummary;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code retry-failed}: a new request file with the FAILED and NOT_SENT rows of a completed or abandoned run. */
@Command(name = "retry-failed", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Write a new request file holding only the FAILED and NOT_SENT rows of a completed or"
                + " abandoned run (columns"
                + " external_id, original_row, retry_of, original_report, in_doubt_since), ready for `run --input`;"
                + " the retry run's report repeats where each row came from, and looks up rows in doubt before"
                + " sending. The report must match its run"
                + " summary. Sends nothing.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:written, or the run has no FAILED or NOT_SENT row (nothing written)",
                "2:the run is not complete, the report does not match its summary, or the output exists"})
final class RetryFailedCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--report", required = true, paramLabel = "FILE", description = "The completed run's report.")
    Path report;

    @Option(names = "--output", paramLabel = "FILE",
            description = "The new request file (default: next to the report, e.g. requests.audit.csv ->"
                    + " requests.audit.retry.csv). Never overwritten.")
    Path output;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        RunSummary summary = VerifyCommand.readSummary(report, RunSummary.pathFor(report));
        if (!summary.finalReport()) {
            throw new UsageException("The run of " + summary.inputFile() + " has not completed (" + summary.state()
                    + "): its report lacks rows. Resume it with the same `run` command first (or close it with"
                    + " `abandon --report " + report + "`), then run retry-failed.");
        }
        List<String> differences = summary.differences(ReportFacts.read(report));
        if (!differences.isEmpty()) {
            throw new UsageException(report + " does not match its summary (" + String.join("; ", differences)
                    + "). Restore the original report before deriving a retry file from it.");
        }
        Path target = output != null ? output : RunCommand.sibling(report, ".retry.csv");
        if (Files.exists(target)) {
            throw new UsageException(target + " already exists. Run it, move it away, or choose another --output.");
        }
        RetryFile.Written written = RetryFile.write(report, summary.inputSha256(), summary.started(),
                summary.apiBaseUrl(), target);
        if (written.inDoubt() > 0) {
            out.printf("Note: %d of these row%s in doubt (an earlier DELETE may have erased the customer): the file"
                    + " says since when (in_doubt_since), and the retry run looks each of them up before it sends"
                    + " anything. A customer created since then holds the ID: it is left alone and the row is"
                    + " REVIEW.%n", written.inDoubt(), written.inDoubt() == 1 ? " is" : "s are");
        }
        long rows = written.rows();
        if (rows > 0) {
            // The original's summary names its retry (the retry run's summary names the original).
            RunSummary retried = summary.retriedIn(target.getFileName().toString());
            retried.write(RunSummary.pathFor(report));
            HtmlSummary.write(retried, report, HtmlSummary.pathFor(report));
        }
        if (rows == 0) {
            out.printf("The run of %s has no FAILED or NOT_SENT row to retry; nothing written.%n",
                    summary.inputFile());
            return ExitCodes.OK;
        }
        out.printf("Wrote %d FAILED or NOT_SENT row%s of %s to %s%n  Run them again with: %s%n  (the original run's"
                + " API, job repository and rate; after a wrong --api-url give the right one instead; a --jdbc-url"
                + " is shown without its user and password)%n", rows,
                rows == 1 ? "" : "s", report, target.toAbsolutePath(),
                runAgain(System.getenv("POLAR_ERASURE_LAUNCHER"), System.getProperty("sun.java.command"),
                        shellWord(target.toAbsolutePath().toString()) + sameRun(summary)));
        return ExitCodes.OK;
    }

    /**
     * The original run's destination, job repository and rate as options of {@code run}: without them the retry
     * would go to Polar's production API (the default), whatever the original run was sent to.
     */
    static String sameRun(RunSummary summary) {
        StringBuilder options = new StringBuilder();
        if (summary.apiBaseUrl() != null) {
            options.append(" --api-url ").append(shellWord(summary.apiBaseUrl()));
        }
        options.append(repositoryOption(summary.provenance() == null ? null : summary.provenance().jobRepository()));
        if (summary.rateLimit() != null) {
            options.append(" --rate-limit ").append(shellWord(summary.rateLimit()));
        }
        return options.toString();
    }

    /**
     * The option that names {@code repository} (a JDBC URL, or the file of the H2 repository in a state folder, as
     * a report's summary gives it; null if unknown) for {@code run}, with a leading space; empty if there is none.
     * A JDBC URL is given as printed everywhere: without credentials (user=*** is put back as the operator gave it).
     */
    static String repositoryOption(String repository) {
        if (repository != null && repository.startsWith("jdbc:")) {
            return " --jdbc-url " + shellWord(repository);
        }
        if (repository != null && repository.endsWith("repository")) {
            return " --state-dir " + shellWord(Path.of(repository).getParent().toString());
        }
        return "";
    }

    /**
     * {@code word} as one word of a POSIX shell command, so the printed command can be pasted as it is: unchanged if
     * it holds only letters, digits and {@code _ . / : = @ % + , -}, else in single quotes (a quote inside as
     * {@code '\''}).
     */
    static String shellWord(String word) {
        return word.matches("[A-Za-z0-9_./:=@%+,-]+") ? word : "'" + word.replace("'", "'\\''") + "'";
    }

    /**
     * The command that runs {@code arguments} ({@code run --input FILE ...} follows), in the form the tool was
     * started with: the launcher (its path, from {@code POLAR_ERASURE_LAUNCHER}, which it sets; null if not started
     * by it), else {@code java -jar JAR} when {@code sun.java.command} (null if unknown) begins with a polar-erasure
     * jar, else both the installed command and the jar form.
     */
    static String runAgain(String launcher, String javaCommand, String arguments) {
        if (launcher != null && !launcher.isBlank()) {
            return shellWord(launcher) + " run --input " + arguments;
        }
        String first = javaCommand == null || javaCommand.isBlank() ? "" : javaCommand.strip().split("\\s+")[0];
        String name = first.isEmpty() ? "" : java.nio.file.Path.of(first).getFileName().toString();
        if (name.startsWith("polar-erasure") && name.endsWith(".jar")) {
            return "java -jar " + shellWord(first) + " run --input " + arguments;
        }
        return "polar-erasure run --input " + arguments + " (or java -jar target/polar-erasure.jar run --input "
                + arguments + ")";
    }
}
