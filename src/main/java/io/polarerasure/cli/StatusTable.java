package io.polarerasure.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.polarerasure.job.LiveStatus;
import io.polarerasure.job.RunHistory;
import io.polarerasure.job.RunOverview;
import io.polarerasure.kernel.Durations;

/**
 * How {@code status} lays runs out as text: by default one block per run, each line at most {@link #WIDTH}
 * characters (paths shortened in the middle, long lines wrapped); with {@code --wide} one table row per run.
 */
final class StatusTable {

    static final String[] HEADER = {"STARTED (UTC)", "STATE", "ROWS", "COUNTS", "ENVIRONMENT", "INPUT",
        "INPUT SHA-256", "REPORT"};

    /** Lines of the default output are cut to this width (paths shortened in the middle). */
    static final int WIDTH = 120;

    private final PrintWriter out;
    private final boolean wide;

    StatusTable(PrintWriter out, boolean wide) {
        this.out = out;
        this.wide = wide;
    }

    /** The recorded runs, newest first, with each unfinished run's lease holder and journal under it. */
    void runs(List<RunOverview> runs) {
        if (wide) {
            List<String[]> table = new ArrayList<>();
            table.add(HEADER);
            for (RunOverview run : runs) {
                table.add(row(run));
            }
            print(table, out);
        }
        for (RunOverview overview : runs) {
            if (!wide) {
                block(overview);
            }
            String prefix = wide ? "Run of " + overview.run().inputFile() + ": " : "  ";
            overview.leaseLine().ifPresent(line -> println(prefix + line));
            overview.journalLine().ifPresent(line -> println(prefix + line));
        }
    }

    /** The default layout: one heading line per run and its facts under it, each line at most {@link #WIDTH}. */
    private void block(RunOverview overview) {
        RunHistory.Run run = overview.run();
        println(Durations.utc(run.started()) + "  " + run.state().name()
                + (run.rerun() > 0 ? " (rerun " + run.rerun() + ")" : "") + "  " + run.rowsDone() + "/"
                + (run.inputRows() == null ? "?" : run.inputRows()) + " rows  " + run.identity().environment() + " "
                + run.apiUrl());
        println("  outcomes: " + overview.counts());
        println("  input:  " + shorten(run.inputFile(), WIDTH - 10 - 26) + " (sha256 "
                + run.inputSha256().substring(0, 12) + "...)");
        println("  report: " + shorten(overview.reportShown(), WIDTH - 10));
    }

    /** The live runs' own account, when their process holds the embedded repository. */
    void live(List<LiveStatus> live) {
        println("A run holds the embedded job repository; shown from its live status file (finished runs"
                + " show once it ends):");
        for (LiveStatus run : live) {
            println("RUNNING since " + Durations.utc(run.startedAt()) + "  " + run.answered() + "/"
                    + run.total() + " rows answered, " + run.committed() + " in the report  host " + run.host()
                    + ", pid " + run.pid());
            StringBuilder outcomes = new StringBuilder();
            run.counts().forEach((outcome, count) -> outcomes.append(outcomes.length() == 0 ? "" : ", ")
                    .append(outcome).append(' ').append(count));
            println("  " + run.answeredLastMinute() + " answered in the last minute (limit " + run.rate() + ");"
                    + " outcomes so far: " + (outcomes.length() == 0 ? "none yet" : outcomes));
            long inFlight = Math.max(0, run.answered() - run.committed());
            println("  " + (run.waiting() == null ? "sending" : run.waiting() + (run.waitingUntil() == null
                    ? "" : ", resuming " + Durations.utc(run.waitingUntil()))) + "; " + inFlight
                    + " answered row(s) wait for the next checkpoint");
            println("  input:  " + shorten(run.input(), WIDTH - 10));
            println("  report: " + shorten(run.report() == null ? "(not yet opened)" : run.report(), WIDTH - 10));
            println("  to: " + run.apiUrl() + "  updated " + Durations.utc(run.updatedAt()));
        }
    }

    /** A path cut in the middle to at most {@code width} characters, keeping its start and its file name. */
    static String shorten(String text, int width) {
        if (text.length() <= width) {
            return text;
        }
        int tail = Math.min(text.length(), Math.max(width / 2, width - 20));
        return text.substring(0, Math.max(0, width - tail - 3)) + "..." + text.substring(text.length() - tail);
    }

    /** Prints a line; in the default layout a longer one is wrapped at spaces, continued with an indent. */
    void println(String line) {
        String rest = line;
        while (!wide && rest.length() > WIDTH) {
            int cut = rest.lastIndexOf(' ', WIDTH);
            if (cut <= 6) {
                break;
            }
            out.println(rest.substring(0, cut));
            rest = "      " + rest.substring(cut + 1);
        }
        out.println(rest);
    }

    static String[] row(RunOverview overview) {
        RunHistory.Run run = overview.run();
        return new String[] {Durations.utc(run.started()).replace(" UTC", ""), run.state().name()
                + (run.rerun() > 0 ? " (rerun " + run.rerun() + ")" : ""),
                run.rowsDone() + "/" + (run.inputRows() == null ? "?" : run.inputRows()), overview.counts(),
                run.identity().environment() + " " + run.apiUrl(), run.inputFile(), run.inputSha256(),
                overview.report().map(Path::toString).orElse(run.reportFile())};
    }

    /** Columns padded to their widest cell, two spaces apart; the last column is not padded. */
    static void print(List<String[]> table, PrintWriter out) {
        int[] widths = new int[table.get(0).length];
        for (String[] row : table) {
            for (int i = 0; i < row.length; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        for (String[] row : table) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                line.append(i == row.length - 1 ? row[i] : String.format("%-" + (widths[i] + 2) + "s", row[i]));
            }
            out.println(line);
        }
    }
}
