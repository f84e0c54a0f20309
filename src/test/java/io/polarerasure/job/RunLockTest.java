package io.polarerasure.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A process refused by a run's lock is told who holds it (host, pid, start) and when it was last seen. */
class RunLockTest {

    @TempDir
    Path temp;

    @Test
    @SuppressWarnings("try") // the lock is held for the body, never used in it
    void a_refused_acquire_names_the_holder_and_how_long_ago_its_live_status_was_written() throws Exception {
        Path state = StateFolder.prepare(temp.resolve("state"));
        ProcessHandle self = ProcessHandle.current();
        try (RunLock held = RunLock.acquire(state, "key1")) {
            Instant now = Instant.now();
            new LiveStatus("key1", RunLease.hostName(), self.pid(), "requests.csv", null, "http://127.0.0.1:1", "30/min",
                    now.minusSeconds(900), now.minusSeconds(600), 2, 0, 0, 0, Map.of(), null, null).write(state);

            assertThatThrownBy(() -> RunLock.acquire(state, "key1"))
                    .isInstanceOf(RunLock.RunLockedException.class)
                    .hasMessageContaining("already running this request file: host " + RunLease.hostName() + ", pid "
                            + self.pid() + ", started " + self.info().startInstant().orElseThrow())
                    .hasMessageMatching("(?s).*, last seen 6[0-9]{2} s ago \\(its live status\\) \\(lock "
                            + java.util.regex.Pattern.quote(state.resolve("run-key1.lock").toString()) + "\\)\\..*")
                    .hasMessageContaining("Nothing was sent");
        }
        // Released: the next acquire takes it.
        RunLock.acquire(state, "key1").close();
    }
}
