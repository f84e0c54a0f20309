package io.polarerasure.job;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

import io.polarerasure.input.RequestRow;
import io.polarerasure.input.ScanResult;
import io.polarerasure.input.Visible;
import io.polarerasure.report.AtomicFile;
import io.polarerasure.report.AuditLine;
import io.polarerasure.report.Outcome;
import io.polarerasure.report.ReportFormat;

import org.springframework.batch.infrastructure.item.ExecutionContext;

/**
 * Plans a request file without sending anything: the same validation and duplicate rules as a run,
 * with WOULD_DELETE for rows that would be sent. The plan appears whole or not at all.
 */
public final class DryRun {

    private static final int BATCH = 1_000;

    private DryRun() {
    }

    public static void writePlan(ScanResult scan, String idColumn, Path plan, Clock clock) throws IOException {
        RequestReader reader = new RequestReader(scan.file(), scan.options(), scan.rows());
        reader.open(new ExecutionContext());
        try {
            AtomicFile.replace(plan, out -> {
                AtomicFile.writeFully(out, ReportFormat.headerBytes());
                List<AuditLine> batch = new ArrayList<>(BATCH);
                for (RequestRow row = next(reader); row != null; row = next(reader)) {
                    AuditLine wouldSend = AuditLine.withoutCall(row.row(), row.externalId(), Outcome.WOULD_DELETE,
                            row.writtenWithWhitespace() ? BothForms.AS_WRITTEN_PLAN + quoted(row.asWritten())
                                    : "", clock.instant());
                    batch.add(ErasureProcessor.decideWithoutCall(row, idColumn, scan.duplicates(), clock)
                            .orElse(wouldSend));
                    if (batch.size() == BATCH) {
                        AtomicFile.writeFully(out, ReportFormat.linesBytes(batch));
                        batch.clear();
                    }
                }
                AtomicFile.writeFully(out, ReportFormat.linesBytes(batch));
                return true;
            });
        } catch (RuntimeException e) {
            throw new IOException("Cannot write the plan " + plan + ": " + e.getMessage(), e);
        } finally {
            reader.close();
        }
    }

    /** The reader's next row; its checked {@code Exception} (never thrown by this reader) as an IOException. */
    private static RequestRow next(RequestReader reader) throws IOException {
        try {
            return reader.read();
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    private static String quoted(String value) {
        return "\"" + Visible.escape(value) + "\"";
    }
}
