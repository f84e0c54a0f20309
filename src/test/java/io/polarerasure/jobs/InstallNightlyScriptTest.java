package io.polarerasure.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * jobs/install-nightly.sh under {@code --root}: the layout it makes is the one nightly.sh uses, it never
 * overwrites an operator's files, and {@code --print} changes nothing. Needs bash and coreutils, no root.
 */
class InstallNightlyScriptTest {

    private static final Path SCRIPT = Path.of("jobs/install-nightly.sh").toAbsolutePath();
    private static final Path NIGHTLY = Path.of("jobs/nightly.sh").toAbsolutePath();

    @TempDir
    Path temp;

    @Test
    void print_shows_every_step_and_changes_nothing() throws Exception {
        Path root = temp.resolve("root");

        Result result = install("--print", "--root", root.toString(), "--scheduler", "systemd");

        assertThat(result.code()).as(result.output()).isZero();
        assertThat(result.output()).contains(
                "install -d -m 700 " + root + "/var/lib/polar-erasure " + root + "/var/lib/polar-erasure/inbox",
                "install -d -m 750 " + root + "/var/log/polar-erasure",
                "install -D -m 644 jobs/systemd/polar-erasure-nightly.timer",
                "printed only; nothing was changed");
        assertThat(root).doesNotExist();
    }

    @Test
    void installs_the_folders_nightly_uses_and_keeps_an_edited_unit() throws Exception {
        Path root = temp.resolve("root");
        Path jar = Files.writeString(temp.resolve("polar-erasure.jar"), "not really a jar");

        Result first = install("--root", root.toString(), "--scheduler", "systemd", "--jar", jar.toString());

        assertThat(first.code()).as(first.output()).isZero();
        Path home = root.resolve("var/lib/polar-erasure");
        for (String folder : List.of("", "inbox", "work", "work/inputs", "done", "state")) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(home.resolve(folder))))
                    .as(folder).isEqualTo("rwx------");
        }
        assertThat(root.resolve("var/log/polar-erasure")).isDirectory();
        Path unit = root.resolve("etc/systemd/system/polar-erasure-nightly.service");
        assertThat(unit).hasSameTextualContentAs(Path.of("jobs/systemd/polar-erasure-nightly.service"));
        assertThat(root.resolve("etc/polar-erasure/nightly.env")).content()
                .contains("POLAR_ERASURE_HOME=/var/lib/polar-erasure");
        assertThat(root.resolve("opt/polar-erasure/jobs/nightly.sh")).isExecutable();

        Files.writeString(unit, "# edited by the operator\n");
        Result again = install("--root", root.toString(), "--scheduler", "systemd", "--jar", jar.toString());

        assertThat(again.code()).as(again.output()).isZero();
        assertThat(again.output()).contains(unit + " exists: left as it is");
        assertThat(unit).content().isEqualTo("# edited by the operator\n");

        // nightly.sh accepts the layout: an empty inbox is "all done".
        Result night = run(List.of("bash", NIGHTLY.toString()), Map.of("POLAR_ERASURE_HOME", home.toString(),
                "POLAR_ERASURE_JAR", root.resolve("opt/polar-erasure/polar-erasure.jar").toString()));
        assertThat(night.code()).as(night.output()).isZero();
        assertThat(night.output()).contains("0 unfinished run(s) to resume, 0 new file(s)");
    }

    @Test
    void cron_gets_the_crontab_line_and_a_token_file_setting() throws Exception {
        Path root = temp.resolve("root");
        Path jar = Files.writeString(temp.resolve("polar-erasure.jar"), "jar");

        Result result = install("--root", root.toString(), "--scheduler", "cron", "--jar", jar.toString());

        assertThat(result.code()).as(result.output()).isZero();
        assertThat(root.resolve("etc/cron.d/polar-erasure")).hasSameTextualContentAs(Path.of("jobs/crontab.example"));
        assertThat(root.resolve("etc/polar-erasure/nightly.env")).content()
                .contains("POLAR_ERASURE_TOKEN_FILE=/etc/polar-erasure/token");
        try (Stream<Path> units = Files.list(root.resolve("etc"))) {
            assertThat(units.map(p -> p.getFileName().toString())).doesNotContain("systemd");
        }
    }

    @Test
    void refuses_an_unknown_option_and_a_missing_jar() throws Exception {
        assertThat(install("--bogus").code()).isEqualTo(2);
        Result noJar = install("--root", temp.resolve("root").toString(), "--jar", temp.resolve("none.jar").toString());
        assertThat(noJar.code()).isEqualTo(2);
        assertThat(noJar.output()).contains("no jar at");
    }

    private static Result install(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("bash", SCRIPT.toString()));
        command.addAll(List.of(args));
        return run(command, Map.of());
    }

    private static Result run(List<String> command, Map<String, String> env) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(env);
        Process process = builder.start();
        byte[] output = process.getInputStream().readAllBytes();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("finished in time").isTrue();
        return new Result(process.exitValue(), new String(output, StandardCharsets.UTF_8));
    }

    private record Result(int code, String output) {
    }
}
