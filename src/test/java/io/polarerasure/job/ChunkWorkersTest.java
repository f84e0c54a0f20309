package io.polarerasure.job;

import static io.polarerasure.input.RequestFiles.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import io.polarerasure.input.RequestRow;
import io.polarerasure.report.AuditLine;
import io.polarerasure.report.Outcome;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.item.ItemProcessor;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

class ChunkWorkersTest {

    private static final Instant AT = Instant.parse("2026-12-01T00:00:00Z");

    @TempDir
    Path dir;

    private final ThreadPoolTaskExecutor workers = new ThreadPoolTaskExecutor();

    ChunkWorkersTest() {
        workers.setCorePoolSize(2);
        workers.setMaxPoolSize(2);
        workers.initialize();
    }

    @AfterEach
    void stopWorkers() {
        workers.shutdown();
    }

    private static final Consumer<AuditLine> NONE = line -> { };

    private static AuditLine deleted(RequestRow row) {
        return new AuditLine(row.row(), row.externalId(), Outcome.DELETED, 204, 1, "", AT);
    }

    @Test
    void reads_a_chunk_then_gives_each_row_its_own_line_in_order_and_saves_the_rows_taken() throws Exception {
        Set<String> threads = ConcurrentHashMap.newKeySet();
        ItemProcessor<RequestRow, AuditLine> erasure = row -> {
            threads.add(Thread.currentThread().getName());
            Thread.sleep(row.row() == 1 ? 200 : 1); // the first row answered last
            return deleted(row);
        };
        ChunkWorkers chunk = new ChunkWorkers(new RequestReader(write(dir, "external_id\na\nb\nc\nd\ne\n"),
                "external_id", Integer.MAX_VALUE), erasure, workers, NONE);
        ExecutionContext context = new ExecutionContext();
        chunk.open(context);

        List<RequestRow> read = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            read.add(chunk.read());
        }
        List<AuditLine> lines = new ArrayList<>();
        for (RequestRow row : read) {
            lines.add(chunk.process(row));
        }
        chunk.update(context);

        assertThat(lines).extracting(AuditLine::externalId).containsExactly("a", "b", "c");
        assertThat(lines).extracting(AuditLine::row).containsExactly(1L, 2L, 3L);
        assertThat(context.getInt(RunHistory.ROWS_DONE)).isEqualTo(3);
        assertThat(threads).as("decided on the workers, not the step's thread")
                .doesNotContain(Thread.currentThread().getName()).isNotEmpty();
        assertThat(chunk.process(chunk.read()).externalId()).isEqualTo("d");
        assertThat(chunk.process(chunk.read()).externalId()).isEqualTo("e");
        assertThat(chunk.read()).isNull();
        chunk.close();
    }

    @Test
    void a_rows_failure_is_thrown_with_that_row_and_an_error_as_itself() throws Exception {
        ItemProcessor<RequestRow, AuditLine> erasure = row -> {
            if (row.externalId().equals("b")) {
                throw new IllegalStateException("Polar refused b");
            }
            if (row.externalId().equals("c")) {
                throw new OutOfMemoryError("c");
            }
            return deleted(row);
        };
        ChunkWorkers chunk = new ChunkWorkers(new RequestReader(write(dir, "external_id\na\nb\nc\n"),
                "external_id", Integer.MAX_VALUE), erasure, workers, NONE);
        chunk.open(new ExecutionContext());
        RequestRow a = chunk.read();
        RequestRow b = chunk.read();
        RequestRow c = chunk.read();

        assertThat(chunk.process(a).externalId()).isEqualTo("a");
        assertThatThrownBy(() -> chunk.process(b)).isInstanceOf(IllegalStateException.class)
                .hasMessage("Polar refused b");
        assertThatThrownBy(() -> chunk.process(c)).isInstanceOf(OutOfMemoryError.class);
        chunk.close();
    }

    @Test
    void a_row_counts_as_answered_once_decided_while_the_step_still_waits_for_a_later_row() throws Exception {
        CountDownLatch secondRow = new CountDownLatch(1);
        List<String> told = new java.util.concurrent.CopyOnWriteArrayList<>();
        Consumer<AuditLine> answered = line -> told.add(Thread.currentThread().getName() + ":" + line.externalId());
        ItemProcessor<RequestRow, AuditLine> erasure = row -> {
            if (row.externalId().equals("b")) {
                secondRow.await(); // a 429 pause, say
            }
            return deleted(row);
        };
        ChunkWorkers chunk = new ChunkWorkers(new RequestReader(write(dir, "external_id\na\nb\n"), "external_id",
                Integer.MAX_VALUE), erasure, workers, answered);
        chunk.open(new ExecutionContext());
        RequestRow a = chunk.read();
        RequestRow b = chunk.read();

        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> told.size() == 1);
        assertThat(told.get(0)).endsWith(":a").doesNotStartWith(Thread.currentThread().getName() + ":");
        secondRow.countDown();
        assertThat(chunk.process(a).externalId()).isEqualTo("a");
        assertThat(chunk.process(b).externalId()).isEqualTo("b");
        assertThat(told).hasSize(2);
        chunk.close();
    }

    @Test
    void processing_out_of_order_is_refused() throws Exception {
        ChunkWorkers chunk = new ChunkWorkers(new RequestReader(write(dir, "external_id\na\nb\n"), "external_id",
                Integer.MAX_VALUE), ChunkWorkersTest::deleted, workers, NONE);
        chunk.open(new ExecutionContext());
        chunk.read();
        RequestRow b = chunk.read();

        assertThatThrownBy(() -> chunk.process(b)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("row 2 is not the next row read");
        chunk.close();
    }

    @Test
    void close_after_a_failed_chunk_waits_for_the_rows_in_flight_and_never_starts_the_others() throws Exception {
        CountDownLatch inFlight = new CountDownLatch(2);
        CountDownLatch answer = new CountDownLatch(1);
        Set<String> started = ConcurrentHashMap.newKeySet();
        Set<String> finished = ConcurrentHashMap.newKeySet();
        ItemProcessor<RequestRow, AuditLine> erasure = row -> {
            started.add(row.externalId());
            inFlight.countDown();
            answer.await();
            finished.add(row.externalId());
            return deleted(row);
        };
        ChunkWorkers chunk = new ChunkWorkers(new RequestReader(write(dir, "external_id\na\nb\nc\nd\n"),
                "external_id", Integer.MAX_VALUE), erasure, workers, NONE);
        chunk.open(new ExecutionContext());
        for (int i = 0; i < 4; i++) {
            chunk.read();
        }
        assertThat(inFlight.await(10, TimeUnit.SECONDS)).isTrue(); // two workers: a and b in flight, c and d queued

        Thread answers = new Thread(() -> {
            try {
                Thread.sleep(300);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            answer.countDown();
        });
        answers.start();
        chunk.close(); // the step failed: nothing processed

        assertThat(finished).as("close returned only once the rows in flight were answered")
                .containsExactlyInAnyOrder("a", "b");
        Thread.sleep(100);
        assertThat(started).as("queued rows never start").containsExactlyInAnyOrder("a", "b");
        answers.join();
    }
}
