package io.polarerasure.job;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

import io.polarerasure.input.RequestRow;
import io.polarerasure.input.ScanResult;
import io.polarerasure.input.Visible;
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
        Path partial = plan.resolveSibling(plan.getFileName() + ".partial");
        Files.deleteIfExists(partial);
        ReportFormat.createOwnerOnly(partial);
        RequestReader reader = new RequestReader(scan.file(), scan.options(), scan.rows());
        reader.open(new ExecutionContext());
        try (FileChannel out = FileChannel.open(partial, StandardOpenOption.WRITE)) {
            write(out, ReportFormat.headerBytes());
            List<AuditLine> batch = new ArrayList<>(BATCH);
            for (RequestRow row = reader.read(); row != null; row = reader.read()) {
                AuditLine wouldSend = AuditLine.withoutCall(row.row(), row.externalId(), Outcome.WOULD_DELETE,
                        row.writtenWithWhitespace() ? ErasureProcessor.AS_WRITTEN_PLAN + quoted(row.asWritten()) : "",
                        clock.instant());
                batch.add(ErasureProcessor.decideWithoutCall(row, idColumn, scan.duplicates(), clock)
                        .orElse(wouldSend));
                if (batch.size() == BATCH) {
                    write(out, ReportFormat.linesBytes(batch));
                    batch.clear();
                }
            }
            write(out, ReportFormat.linesBytes(batch));
            out.force(true);
        } catch (Exception e) {
            Files.deleteIfExists(partial);
            throw e instanceof IOException io ? io : new IOException("Cannot write the plan " + plan + ": "
                    + e.getMessage(), e);
        } finally {
            reader.close();
        }
        Files.move(partial, plan, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static String quoted(String value) {
        return "\"" + Visible.escape(value) + "\"";
    }

    private static void write(FileChannel out, byte[] bytes) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
            out.write(buffer);
        }
    }
}
