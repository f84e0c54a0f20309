package io.polarerasure.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.transaction.support.TransactionTemplate;

/** The run lease on the embedded H2 (the same SQL as on PostgreSQL; see MultiHostIT for several processes). */
class RunLeaseTest {

    private DriverManagerDataSource dataSource;
    private RunLease first;
    private RunLease second;

    @BeforeEach
    void repository() throws SQLException {
        dataSource = new DriverManagerDataSource("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", "sa", "");
        RepositorySchema.ensure(dataSource);
        first = new RunLease("run-a", Duration.ofSeconds(30));
        second = new RunLease("run-a", Duration.ofSeconds(30));
    }

    @AfterEach
    void release() {
        first.close();
        second.close();
    }

    @Test
    void a_second_holder_is_refused_naming_the_first_and_how_long_ago_it_renewed() {
        first.acquire(dataSource);

        assertThatThrownBy(() -> second.acquire(dataSource)).isInstanceOf(RunLeasedException.class)
                .hasMessageContaining("host ").hasMessageContaining("pid " + ProcessHandle.current().pid())
                .hasMessageMatching("(?s).*renewed \\d+ s ago.*").hasMessageContaining("Nothing was sent");
        assertThat(RunLease.holders(dataSource)).containsOnlyKeys("run-a");
    }

    @Test
    void a_released_lease_is_taken_at_once() {
        first.acquire(dataSource);
        first.close();

        second.acquire(dataSource);
        second.check(false);
    }

    @Test
    void an_expired_lease_is_taken_over_and_the_old_holder_can_neither_send_nor_commit() {
        first.acquire(dataSource);
        first.check(false);
        // What a holder that stopped renewing (kill -9, a lost node) leaves behind.
        new JdbcTemplate(dataSource).update("UPDATE " + LeaseTable.TABLE
                + " SET renewed_at = TIMESTAMP WITH TIME ZONE '2020-01-01 00:00:00+00'");

        second.acquire(dataSource);

        TransactionTemplate chunk = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
        assertThatThrownBy(() -> chunk.executeWithoutResult(status -> first.fence()))
                .isInstanceOf(LeaseLostException.class).hasMessageContaining("took the run over");
        assertThatThrownBy(() -> first.check(false)).isInstanceOf(LeaseLostException.class);
        chunk.executeWithoutResult(status -> second.fence());
        second.check(false);
    }

    @Test
    void the_fence_must_run_inside_the_chunk_transaction() {
        first.acquire(dataSource);

        assertThatThrownBy(first::fence).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void sending_stops_5_12_of_the_lease_after_the_last_renewal() {
        assertThat(new RunLease("run-a", Duration.ofSeconds(120)).sendWindow()).isEqualTo(Duration.ofSeconds(50));
    }

    @Test
    void the_lease_of_a_dead_process_of_this_machine_is_taken_at_once() throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        holdAs(gone.pid(), Instant.now());

        first.acquire(dataSource);
        first.check(false);
    }

    @Test
    void a_live_process_of_this_machine_keeps_its_lease_but_not_a_reused_pid() throws Exception {
        Process live = new ProcessBuilder("sleep", "30").start();
        try {
            holdAs(live.pid(), live.info().startInstant().orElseThrow());
            assertThatThrownBy(() -> first.acquire(dataSource)).isInstanceOf(RunLeasedException.class);

            new JdbcTemplate(dataSource).update("DELETE FROM " + LeaseTable.TABLE);
            holdAs(live.pid(), Instant.parse("2020-01-01T00:00:00Z")); // the holder's pid, now another process's
            first.acquire(dataSource);
            first.check(false);
        } finally {
            live.destroyForcibly().waitFor();
        }
    }

    /** A lease row as a process of this machine with this pid and start would have left it. */
    private void holdAs(long pid, Instant started) {
        new JdbcTemplate(dataSource).update("INSERT INTO " + LeaseTable.TABLE + " (run_key, holder_host, holder_pid,"
                + " holder_started, renewed_at, epoch, renewals, holder_node) VALUES ('run-a', ?, ?, ?,"
                + " CURRENT_TIMESTAMP, 1, 0, ?)", RunLease.hostName(), pid,
                OffsetDateTime.ofInstant(started, ZoneOffset.UTC), RunLease.node());
    }
}
