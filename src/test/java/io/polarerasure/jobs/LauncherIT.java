package io.polarerasure.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.polarerasure.RealJar;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** jobs/polar-erasure, the launcher, with the packaged jar: it trains a class-data archive once, then uses it. */
class LauncherIT {

    private static final Path LAUNCHER = Path.of("jobs/polar-erasure").toAbsolutePath();
    private static final Path JAR = RealJar.JAR;

    @TempDir
    Path dir;

    @RegisterExtension
    final RealJar jar = new RealJar(() -> dir, Duration.ofMinutes(5)).env("POLAR_ERASURE_JAR", JAR.toString())
            .env("JAVA_TOOL_OPTIONS", null).env("JDK_JAVA_OPTIONS", null).env("_JAVA_OPTIONS", null);

    @BeforeEach
    void home() {
        jar.env("HOME", dir.toString());
    }

    @Test
    void records_an_archive_in_the_state_folder_on_first_use_and_starts_from_it_afterwards() throws Exception {
        Path state = privateFolder("state");
        // Installed under a versioned name: the unpacked jar keeps that name (it was looked for as polar-erasure.jar).
        jar.env("POLAR_ERASURE_JAR", Files.copy(JAR, dir.resolve("polar-erasure-2026.12.jar")).toString());

        Launch first = launch(Map.of(), "status", "--state-dir", state.toString());
        List<Path> archives;
        try (var files = Files.list(state.resolve("launcher"))) {
            archives = files.filter(file -> file.toString().endsWith(".jsa")).toList();
        }
        // Classes loaded from the archive are logged with "source: shared objects file (top)".
        Launch second = launch(Map.of("JAVA_TOOL_OPTIONS", "-Xlog:class+load=info"), "status", "--state-dir",
                state.toString());

        assertThat(first.code()).as(first.output()).isZero();
        assertThat(first.output()).contains("preparing a faster start", "No runs recorded");
        assertThat(archives).as("one archive, named after the jar").hasSize(1);
        assertThat(second.code()).as(second.output()).isZero();
        assertThat(second.output()).doesNotContain("preparing a faster start").contains("No runs recorded")
                .contains("io.polarerasure.cli.PolarErasureCommand source: shared objects file (top)");
    }

    @Test
    void a_long_run_gets_the_serial_collector_and_from_150000_lines_the_default_tiering_other_commands_c1_only() throws Exception {
        // A stand-in for java that prints its arguments: the flags the launcher picked, without starting a JVM.
        Path java = fakeJava("#!/bin/sh\necho \"$@\"\n");
        Map<String, String> env = Map.of("POLAR_ERASURE_JAVA", java.toString(), "POLAR_ERASURE_CDS", "off");

        assertThat(launch(env, "status", "--state-dir", dir.toString()).output())
                .startsWith("-XX:TieredStopAtLevel=1 -jar " + JAR + " status");
        assertThat(launch(env, "run", "--input", "x.csv", "--dry-run").output())
                .startsWith("-XX:TieredStopAtLevel=1 -jar");
        assertThat(launch(env, "--state-dir", dir.toString(), "verify", "--report", "r.csv").output())
                .startsWith("-XX:TieredStopAtLevel=1 -jar");
        assertThat(launch(env, "run", "--input", "x.csv").output())
                .startsWith("-XX:TieredStopAtLevel=1 -jar " + JAR + " run --input x.csv");
        Map<String, String> full = new java.util.HashMap<>(env);
        full.put("POLAR_ERASURE_JIT", "full");
        assertThat(launch(full, "run", "--input", "x.csv").output())
                .startsWith("-XX:+UseSerialGC -jar " + JAR + " run --input x.csv");
        assertThat(launch(full, "status").output()).startsWith("-XX:TieredStopAtLevel=1 -jar");

        // By the request file's size: 49,999 lines C1 (and the archive), 50,000 C1 and the serial collector from
        // the jar, 150,000 the default tiering as well, for a run, its dry run and a retry of a report that long;
        // an .xlsx by its bytes.
        Path small = dir.resolve("small.csv");
        Path big = dir.resolve("big.csv");
        Path bigger = dir.resolve("bigger.csv");
        Path huge = dir.resolve("huge.csv");
        Files.writeString(small, "external_id\n" + "c\n".repeat(49_998), StandardCharsets.UTF_8);
        Files.writeString(big, "external_id\n" + "c\n".repeat(49_999), StandardCharsets.UTF_8);
        Files.writeString(bigger, "external_id\n" + "c\n".repeat(149_998), StandardCharsets.UTF_8);
        Files.writeString(huge, "external_id\n" + "c\n".repeat(149_999), StandardCharsets.UTF_8);
        String c1Serial = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -jar " + JAR + " run";
        assertThat(launch(env, "run", "--input", small.toString()).output()).startsWith("-XX:TieredStopAtLevel=1 -jar");
        assertThat(launch(env, "run", "--input", big.toString()).output()).startsWith(c1Serial);
        assertThat(launch(env, "run", "--input", bigger.toString()).output()).startsWith(c1Serial);
        assertThat(launch(env, "run", "--input", huge.toString()).output())
                .startsWith("-XX:+UseSerialGC -jar " + JAR + " run");
        assertThat(launch(env, "run", "--input=" + huge, "--dry-run").output())
                .startsWith("-XX:+UseSerialGC -jar " + JAR + " run");
        // retry-failed sends nothing (it writes a file of the rows to run again): C1, whatever the report's size.
        assertThat(launch(env, "retry-failed", "--report", huge.toString()).output())
                .startsWith("-XX:TieredStopAtLevel=1 -jar " + JAR);
        // A last line without a line break counts.
        Path unterminated = dir.resolve("unterminated.csv");
        Files.writeString(unterminated, "external_id" + "\nc".repeat(49_999), StandardCharsets.UTF_8);
        assertThat(launch(env, "run", "--input", unterminated.toString()).output()).startsWith(c1Serial);
        // Lines ended by CR alone (classic Mac OS) count by their CRs; UTF-16 (Excel's "Unicode Text") by its bytes,
        // without a warning from the shell about its NUL bytes.
        Path mac = dir.resolve("mac.csv");
        Files.writeString(mac, "external_id\r" + "c\r".repeat(49_999), StandardCharsets.UTF_8);
        assertThat(launch(env, "run", "--input", mac.toString()).output()).startsWith(c1Serial);
        Path unicode = dir.resolve("unicode.txt");
        Files.writeString(unicode, "external_id\r\n" + "c\r\n".repeat(49_999), StandardCharsets.UTF_16LE);
        assertThat(launch(env, "run", "--input", unicode.toString()).output()).startsWith(c1Serial);
        Files.writeString(unicode, "external_id\r\n" + "c\r\n".repeat(9), StandardCharsets.UTF_16LE);
        assertThat(launch(env, "run", "--input", unicode.toString()).output())
                .startsWith("-XX:TieredStopAtLevel=1 -jar");
        // A relative name is read as ./name: head and tail take a file named - for standard input (and waited on it).
        Files.writeString(dir.resolve("-"), "external_id\n" + "c\n".repeat(49_999), StandardCharsets.UTF_8);
        assertThat(launch(env, "run", "--input", "-").output()).startsWith(c1Serial);
        assertThat(launch(env, "verify", "--report", huge.toString()).output())
                .startsWith("-XX:TieredStopAtLevel=1 -jar");
        Path workbook = dir.resolve("big.xlsx");
        Files.write(workbook, new byte[1_572_864]);
        assertThat(launch(env, "run", "--input", workbook.toString()).output())
                .startsWith("-XX:+UseSerialGC -jar " + JAR + " run");
        Path mixedCase = Files.write(dir.resolve("Big.Xlsx"), new byte[1_572_864]); // the jar takes it as a workbook
        assertThat(launch(env, "run", "--input", mixedCase.toString()).output())
                .startsWith("-XX:+UseSerialGC -jar " + JAR + " run");
        Files.write(workbook, new byte[1_572_863]);
        assertThat(launch(env, "run", "--input", workbook.toString()).output()).startsWith(c1Serial);
        Files.write(workbook, new byte[524_288]);
        assertThat(launch(env, "run", "--input", workbook.toString()).output()).startsWith(c1Serial);
        Files.write(workbook, new byte[524_287]);
        assertThat(launch(env, "run", "--input", workbook.toString()).output())
                .startsWith("-XX:TieredStopAtLevel=1 -jar");
        // A collector the operator may have picked, named or in a file of options, is left alone: the JVM refuses two.
        for (String variable : List.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS")) {
            Map<String, String> own = new java.util.HashMap<>(env);
            for (String options : List.of("-Xmx2g -XX:+UseG1GC", "-XX:+UseParallelGC -Xmx2g",
                    "@" + dir.resolve("jvm.args"), "-XX:VMOptionsFile=" + dir.resolve("jvm.args"),
                    "-XX:Flags=" + dir.resolve(".hotspotrc"))) {
                own.put(variable, options);
                assertThat(launch(own, "run", "--input", huge.toString()).output()).as(options)
                        .startsWith("-jar " + JAR + " run");
                assertThat(launch(own, "run", "--input", big.toString()).output()).as(options)
                        .startsWith("-XX:TieredStopAtLevel=1 -jar " + JAR + " run");
            }
            own.put(variable, "-Xmx2g");
            assertThat(launch(own, "run", "--input", huge.toString()).output())
                    .startsWith("-XX:+UseSerialGC -jar " + JAR + " run");
        }
        Map<String, String> c1 = new java.util.HashMap<>(env);
        c1.put("POLAR_ERASURE_JIT", "c1");
        assertThat(launch(c1, "run", "--input", huge.toString()).output()).startsWith(c1Serial);
        assertThat(launch(c1, "run", "--input", small.toString()).output()).startsWith("-XX:TieredStopAtLevel=1 -jar");

        // A misspelt setting is refused, not taken as the default.
        Map<String, String> typo = new java.util.HashMap<>(env);
        typo.put("POLAR_ERASURE_JIT", "C2");
        Launch refused = launch(typo, "run", "--input", big.toString());
        assertThat(refused.code()).isEqualTo(2);
        assertThat(refused.output()).contains("POLAR_ERASURE_JIT must be full, c1 or empty, not 'C2'")
                .doesNotContain("-jar");
        typo.put("POLAR_ERASURE_JIT", "full");
        typo.put("POLAR_ERASURE_CDS", "false");
        assertThat(launch(typo, "status").code()).isEqualTo(2);
    }

    @Test
    void a_run_of_a_big_file_starts_from_the_jar_without_training_an_archive() throws Exception {
        Path java = fakeJava("#!/bin/sh\necho \"$@\"\n");
        Path state = privateFolder("state");
        Map<String, String> env = Map.of("POLAR_ERASURE_JAVA", java.toString());
        Path big = dir.resolve("big.csv");
        Files.writeString(big, "external_id\n" + "c\n".repeat(49_999), StandardCharsets.UTF_8);

        Launch run = launch(env, "run", "--input", big.toString(), "--state-dir", state.toString());

        assertThat(run.output()).as("the serial collector, and neither an archive nor a training run")
                .startsWith("-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -jar " + JAR + " run")
                .doesNotContain("preparing a faster start")
                .doesNotContain("SharedArchiveFile");
        assertThat(state.resolve("launcher")).doesNotExist();
        // A small file's run still takes the archive's way (here the stand-in java makes none, so it says so).
        Path small = dir.resolve("small.csv");
        Files.writeString(small, "external_id\nc\n", StandardCharsets.UTF_8);
        assertThat(launch(env, "run", "--input", small.toString(), "--state-dir", state.toString()).output())
                .contains("preparing a faster start");
    }

    @Test
    void a_launcher_stopped_while_it_trains_leaves_no_training_jvm_behind_and_runs_nothing() throws Exception {
        // A stand-in for java: the jar unpacks, the training run hangs (as a slow first start would) after saying
        // its pid; any other start prints its arguments (the real command, which must not start).
        Path trainingPid = dir.resolve("training.pid");
        Path java = fakeJava("#!/bin/sh\ncase \"$*\" in\n  *jarmode=tools*) exit 0 ;;\n"
                + "  *ArchiveClassesAtExit*) echo $$ > " + trainingPid + "; exec sleep 300 ;;\n"
                + "  *) echo \"started: $*\" ;;\nesac\n");
        Path state = privateFolder("state");
        Process launcher = jar.startCommand(dir, Map.of("POLAR_ERASURE_JAVA", java.toString()),
                List.of(LAUNCHER.toString(), "run", "--input", "x.csv", "--state-dir", state.toString()));
        assertThat(jar.awaitWhileRunning(launcher, "the training run started",
                () -> Files.exists(trainingPid) && !read(trainingPid).isBlank())).as(jar.log()).isTrue();
        ProcessHandle training = ProcessHandle.of(Long.parseLong(read(trainingPid).trim())).orElseThrow();

        launcher.destroy(); // SIGTERM, as systemd, Kubernetes or nightly.sh's stop send it

        int code = jar.finish(launcher);
        String output = jar.log(launcher);
        assertThat(training.onExit().completeOnTimeout(null, 10, TimeUnit.SECONDS).get())
                .as("the training JVM ends with its launcher").isNotNull();
        assertThat(code).as(output).isEqualTo(143);
        assertThat(output).as("the stopped launcher starts nothing").doesNotContain("started:");
        try (var files = Files.list(state.resolve("launcher"))) {
            assertThat(files.map(file -> file.getFileName().toString()))
                    .as("no archive and no scratch folder left").noneMatch(name -> name.endsWith(".jsa")
                            || name.startsWith("train."));
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return ""; // not written yet
        }
    }

    @Test
    void an_archive_in_a_state_folder_others_can_write_to_is_never_used() throws Exception {
        // What such a folder holds may have been put there by another user: a jar of theirs, run with the token.
        Path java = fakeJava("#!/bin/sh\necho \"$@\"\n");
        Map<String, String> env = Map.of("POLAR_ERASURE_JAVA", java.toString());
        for (String mode : List.of("rwxrwxrwx", "rwxrwx---")) {
            Path state = Files.createDirectories(dir.resolve("shared-" + mode));
            Path cache = Files.createDirectories(state.resolve("launcher"));
            String key = stat(JAR) + "-" + stat(java);
            Path planted = Files.createDirectories(cache.resolve("app-" + key)).resolve(JAR.getFileName());
            Files.writeString(planted, "not the operator's jar", StandardCharsets.UTF_8);
            Files.writeString(cache.resolve("app-" + key + ".jsa"), "planted", StandardCharsets.UTF_8);
            Files.setPosixFilePermissions(state, PosixFilePermissions.fromString(mode));

            Launch launch = launch(env, "status", "--state-dir", state.toString());

            assertThat(launch.output()).as(mode).startsWith("-XX:TieredStopAtLevel=1 -jar " + JAR + " status")
                    .doesNotContain(planted.toString(), "SharedArchiveFile");
            // The same folder made private again: the launcher uses what it holds (so the check above can fail).
            Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("rwx------"));
            Files.setPosixFilePermissions(cache, PosixFilePermissions.fromString("rwx------"));
            assertThat(launch(env, "status", "--state-dir", state.toString()).output()).contains(planted.toString());
        }
    }

    @Test
    void a_new_jar_deletes_the_archives_of_earlier_jars_but_not_one_a_running_jvm_started_from() throws Exception {
        // A stand-in for java: "unpacks" and "records" the way the launcher asks, and says whether the archive it
        // runs from is locked against deletion while it runs (an exclusive lock of it fails).
        Path java = fakeJava("""
                #!/bin/bash
                prev=""; archive=""
                for a in "$@"; do
                  case $a in
                    -XX:ArchiveClassesAtExit=*) touch "${a#*=}" ;;
                    -XX:SharedArchiveFile=*) archive=${a#*=} ;;
                  esac
                  [ "$prev" = --destination ] && mkdir -p "$a" && touch "$a/$(basename "$POLAR_ERASURE_JAR")"
                  prev=$a
                done
                if [ -n "$archive" ]; then
                  flock -n -x "$archive" true && echo "archive not locked" || echo "archive locked"
                fi
                """);
        Path cache = Files.createDirectories(dir.resolve("state/launcher"));
        for (String earlier : List.of("app-old-a", "app-old-b")) {
            Files.createDirectories(cache.resolve(earlier));
            Files.writeString(cache.resolve(earlier + ".jsa"), "an earlier jar's archive", StandardCharsets.UTF_8);
        }
        Files.createDirectories(cache.resolve("app-old-c")); // unpacked, its archive never recorded
        // A JVM of the earlier jar a still runs: it holds its archive's shared lock, as the launcher gives it.
        Process running = new ProcessBuilder("flock", "-s", cache.resolve("app-old-a.jsa").toString(), "sleep", "60")
                .start();
        try {
            await("the shared lock held").atMost(Duration.ofSeconds(10))
                    .until(() -> new ProcessBuilder("flock", "-n", "-x", cache.resolve("app-old-a.jsa").toString(),
                            "true").start().waitFor() != 0);
            Map<String, String> env = Map.of("POLAR_ERASURE_JAVA", java.toString());

            Launch launch = launch(env, "status", "--state-dir", dir.resolve("state").toString());

            assertThat(launch.code()).as(launch.output()).isZero();
            assertThat(launch.output()).contains("preparing a faster start", "archive locked")
                    .doesNotContain("archive not locked");
            try (Stream<Path> left = Files.list(cache)) {
                assertThat(left.map(path -> path.getFileName().toString()).filter(name -> name.startsWith("app-old-")))
                        .containsExactlyInAnyOrder("app-old-a", "app-old-a.jsa");
            }
        } finally {
            running.destroy();
        }
    }

    @Test
    void the_training_run_never_reaches_the_operators_own_job_repository() throws Exception {
        // A stand-in for java that records the archive as asked and says which job repository Spring would use.
        Path java = fakeJava("""
                #!/bin/bash
                for a in "$@"; do
                  case $a in
                    -XX:ArchiveClassesAtExit=*) touch "${a#*=}"
                      echo "training: ${SPRING_DATASOURCE_URL:-none} ${spring_datasource_url:-none}" \
                        "${JAVA_TOOL_OPTIONS:-none} in $PWD" ;;
                  esac
                done
                case "$*" in *SharedArchiveFile*) echo "command: ${SPRING_DATASOURCE_URL:-none}" ;; esac
                """);
        Path state = privateFolder("state");
        Map<String, String> env = Map.of("POLAR_ERASURE_JAVA", java.toString(),
                "SPRING_DATASOURCE_URL", "jdbc:postgresql://db/erasure", "SPRING_DATASOURCE_USERNAME", "erasure",
                "spring_datasource_url", "jdbc:postgresql://db/lower", "JAVA_TOOL_OPTIONS",
                "-Dspring.datasource.url=jdbc:postgresql://db/property");
        // Spring also reads an application.properties in the working folder.
        Files.writeString(dir.resolve("application.properties"), "spring.datasource.url=jdbc:postgresql://db/file\n");

        Launch launch = launch(env, "status", "--state-dir", state.toString());

        assertThat(launch.output()).as(launch.output()).contains("command: jdbc:postgresql://db/erasure");
        assertThat(state.resolve("launcher/launcher.log")).content(StandardCharsets.UTF_8)
                .contains("training: none none none in " + state.resolve("launcher/train."))
                .doesNotContain("jdbc:postgresql");
    }

    @Test
    void a_jar_replaced_by_one_of_the_same_size_and_modification_time_gets_an_archive_of_its_own() throws Exception {
        Path java = fakeJava(RECORDING_JAVA);
        Path installed = Files.copy(JAR, dir.resolve("polar-erasure.jar"));
        Path state = privateFolder("state");
        Map<String, String> env = Map.of("POLAR_ERASURE_JAVA", java.toString(), "POLAR_ERASURE_JAR",
                installed.toString());
        Launch first = launch(env, "status", "--state-dir", state.toString());
        // Another build copied over it with its times kept (cp -p, rsync -t): same size, same modification time.
        byte[] other = Files.readAllBytes(installed);
        other[other.length / 2] ^= 1;
        java.nio.file.attribute.FileTime modified = Files.getLastModifiedTime(installed);
        Thread.sleep(1_100); // the change time moves on by a second at least
        Files.write(installed, other);
        Files.setLastModifiedTime(installed, modified);

        Launch second = launch(env, "status", "--state-dir", state.toString());

        assertThat(first.output()).contains("preparing a faster start", "SharedArchiveFile");
        assertThat(second.output()).as("the new jar is unpacked and trained, not the old copy run")
                .contains("preparing a faster start", "SharedArchiveFile=" + state.resolve("launcher/app-"
                        + stat(installed) + "-" + stat(java) + ".jsa"));
    }

    @Test
    void a_jvm_that_cannot_record_an_archive_is_not_asked_again_on_every_start() throws Exception {
        // As a JDK without a base archive, or -Xshare:off, refuses -XX:ArchiveClassesAtExit.
        Path java = fakeJava("#!/bin/sh\ncase \"$*\" in *ArchiveClassesAtExit*) echo refused >&2; exit 1 ;; esac\n"
                + "echo \"$@\"\n");
        Path state = privateFolder("state");
        Map<String, String> env = Map.of("POLAR_ERASURE_JAVA", java.toString());

        Launch first = launch(env, "status", "--state-dir", state.toString());
        Launch second = launch(env, "status", "--state-dir", state.toString());

        assertThat(first.output()).contains("preparing a faster start", "could not prepare it")
                .contains("-XX:TieredStopAtLevel=1 -jar " + JAR + " status");
        assertThat(second.code()).isZero();
        assertThat(second.output()).doesNotContain("preparing", "could not prepare")
                .startsWith("-XX:TieredStopAtLevel=1 -jar " + JAR + " status");
    }

    @Test
    void a_state_folder_that_does_not_exist_is_left_to_the_jar_to_refuse_not_created() throws Exception {
        Path java = fakeJava("#!/bin/sh\necho \"$@\"\n");
        Path typo = dir.resolve("stat");
        Map<String, String> env = Map.of("POLAR_ERASURE_JAVA", java.toString());

        Launch lookup = launch(env, "lookup", "--state-dir", typo.toString(), "--id", "c");

        assertThat(lookup.output()).startsWith("-XX:TieredStopAtLevel=1 -jar " + JAR + " lookup");
        assertThat(typo).doesNotExist();
        // Nor the default one, for a command that has no state folder (HOME is dir here).
        assertThat(launch(env, "verify", "--report", "r.csv").output()).doesNotContain("preparing");
        assertThat(dir.resolve(".local")).doesNotExist();
    }

    @Test
    void without_home_or_state_folder_it_starts_from_the_jar() throws Exception {
        Path java = fakeJava("#!/bin/sh\necho \"$@\"\n");
        Map<String, String> env = new java.util.HashMap<>();
        env.put("POLAR_ERASURE_JAVA", java.toString());
        env.put("HOME", null);
        env.put("XDG_STATE_HOME", null);
        env.put("POLAR_ERASURE_STATE_DIR", "   ");

        Launch status = launch(env, "status");

        assertThat(status.code()).as(status.output()).isZero();
        assertThat(status.output()).startsWith("-XX:TieredStopAtLevel=1 -jar " + JAR + " status");
        // A relative XDG_STATE_HOME is invalid (the XDG specification), as the jar has it: not a folder here.
        env.put("XDG_STATE_HOME", "relative");
        Files.createDirectories(dir.resolve("relative/polar-erasure"));
        assertThat(launch(env, "status").output()).doesNotContain("preparing");
    }

    @Test
    void started_through_a_symbolic_link_it_finds_the_jar_beside_its_own_folder() throws Exception {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path link = Files.createSymbolicLink(bin.resolve("polar-erasure"), LAUNCHER);
        Path java = fakeJava("#!/bin/sh\necho \"$@\"\n");
        Map<String, String> env = new java.util.HashMap<>();
        env.put("POLAR_ERASURE_JAVA", java.toString());
        env.put("POLAR_ERASURE_JAR", null); // found as ../target/polar-erasure.jar of this checkout

        List<String> command = List.of(link.toString(), "status", "--state-dir", dir.resolve("none").toString());
        int code = jar.finish(jar.startCommand(dir, env, command));

        assertThat(code).as(jar.lastLog()).isZero();
        assertThat(jar.lastLog()).startsWith("-XX:TieredStopAtLevel=1 -jar " + LAUNCHER.getParent().getParent()
                .resolve("jobs/../target/polar-erasure.jar") + " status");
    }

    /** A stand-in for java that "unpacks" and "records" as the launcher asks, then prints its arguments. */
    private static final String RECORDING_JAVA = """
            #!/bin/bash
            prev=""
            for a in "$@"; do
              case $a in
                -XX:ArchiveClassesAtExit=*) touch "${a#*=}" ;;
              esac
              [ "$prev" = --destination ] && mkdir -p "$a" && touch "$a/$(basename "$POLAR_ERASURE_JAR")"
              prev=$a
            done
            echo "$@"
            """;

    /** A stand-in for java at {@code dir/java}: the script given, owner-only and executable. */
    private Path fakeJava(String script) throws IOException {
        Path java = dir.resolve("java");
        Files.writeString(java, script, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwx------"));
        return java;
    }

    /** The launcher's key for a file: size, modification and change times (seconds) and inode, from stat(1). */
    private static String stat(Path file) throws IOException, InterruptedException {
        Process stat = new ProcessBuilder("stat", "-L", "-c", "%s-%Y-%Z-%i", file.toRealPath().toString()).start();
        String key = new String(stat.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(stat.waitFor()).isZero();
        return key;
    }

    /** A folder {@code dir/name} that exists, owner-only, as a state folder the jar has created. */
    private Path privateFolder(String name) throws IOException {
        return Files.createDirectories(dir.resolve(name),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }

    private record Launch(int code, String output) {
    }

    private Launch launch(Map<String, String> env, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(LAUNCHER.toString()));
        command.addAll(List.of(args));
        int code = jar.finish(jar.startCommand(dir, env, command));
        return new Launch(code, jar.lastLog());
    }
}
