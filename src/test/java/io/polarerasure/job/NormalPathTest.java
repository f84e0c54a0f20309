package io.polarerasure.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NormalPathTest {

    @TempDir
    Path dir;

    @Test
    void dot_dot_is_removed_where_it_names_the_same_file() throws Exception {
        Files.createDirectories(dir.resolve("sub"));

        assertThat(NormalPath.of(dir.resolve("sub/../req.audit.csv"))).isEqualTo(dir.resolve("req.audit.csv"));
        assertThat(NormalPath.of(dir.resolve("./sub/./req.csv"))).isEqualTo(dir.resolve("sub/req.csv"));
    }

    @Test
    void dot_dot_after_a_symbolic_link_is_kept_since_the_link_leads_elsewhere() throws Exception {
        Files.createDirectories(dir.resolve("a/b"));
        Files.createSymbolicLink(dir.resolve("link"), dir.resolve("a/b"));
        Path through = dir.resolve("link/../req.csv"); // the kernel resolves it to a/req.csv, not req.csv

        assertThat(NormalPath.of(through)).isEqualTo(through);
    }
}
