package io.polarerasure.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The user guide says what the code does: the README opens with the demo and the test command (what CI and
 * newcomers run), its options table lists exactly the visible options of {@code run}, and every relative link of
 * the guides reaches a file and a heading.
 */
class DocumentationTest {

    private static final Path README = Path.of("README.md");
    private static final List<Path> GUIDES = List.of(README, Path.of("jobs/README.md"),
            Path.of("src/site/markdown/design.md"));
    private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");

    @Test
    void readme_opens_with_the_demo_and_the_test_command() throws IOException {
        String readme = Files.readString(README);
        int block = readme.indexOf("```sh\n");
        List<String> commands = readme.substring(block + 6, readme.indexOf("```", block + 6)).lines()
                .map(line -> line.replaceAll("\\s+#.*", "")).toList();

        assertThat(commands).containsExactly("jobs/demo.sh", "mvn -B verify");
    }

    @Test
    void the_options_table_lists_exactly_the_visible_options_of_run() throws IOException {
        String readme = Files.readString(README);
        String section = readme.substring(readme.indexOf("## Options of `run`"));
        section = section.substring(0, section.indexOf("\n## ", 1));
        Set<String> documented = new TreeSet<>();
        Matcher row = Pattern.compile("(?m)^\\| `(--[a-z-]+)").matcher(section);
        while (row.find()) {
            documented.add(row.group(1));
        }
        Set<String> actual = new TreeSet<>();
        for (OptionSpec option : CommandSpec.forAnnotatedObject(new RunCommand(Map.of(), Clock.systemUTC()))
                .options()) {
            if (!option.hidden() && !option.usageHelp() && !option.versionHelp()) {
                actual.add(option.longestName());
            }
        }

        assertThat(documented).isEqualTo(actual);
    }

    @Test
    void run_help_says_for_each_exit_code_what_the_readme_table_says() throws IOException {
        String readme = Files.readString(README);
        String table = readme.substring(readme.indexOf("## Exit codes"));
        Map<String, String> documented = new java.util.TreeMap<>();
        Matcher row = Pattern.compile("(?m)^\\| ([0-4]) \\| ([^|]+) \\|").matcher(table.substring(0,
                table.indexOf("\n## ", 1)));
        while (row.find()) {
            documented.put(row.group(1), row.group(2));
        }
        Map<String, String> help = new java.util.TreeMap<>();
        CommandSpec.forAnnotatedObject(new RunCommand(Map.of(), Clock.systemUTC())).usageMessage().exitCodeList()
                .forEach((code, text) -> help.put(code.strip(), text));

        assertThat(help.keySet()).isEqualTo(documented.keySet());
        // The cases that decide what an operator does: FAILED or REVIEW (1); no Polar at all, or the other one (4).
        assertThat(documented.get("1")).contains("FAILED or REVIEW");
        assertThat(help.get("1")).contains("FAILED or REVIEW");
        assertThat(documented.get("4")).contains("not Polar at all", "other environment");
        assertThat(help.get("4")).contains("not Polar at all", "other environment", "token");
    }

    @Test
    void relative_links_reach_a_file_and_a_heading() throws IOException {
        List<String> broken = new ArrayList<>();
        for (Path guide : GUIDES) {
            Matcher link = LINK.matcher(Files.readString(guide));
            while (link.find()) {
                String target = link.group(1);
                if (target.matches("[a-z]+:.*")) {
                    continue;
                }
                int hash = target.indexOf('#');
                String file = hash < 0 ? target : target.substring(0, hash);
                Path resolved = file.isEmpty() ? guide : guide.toAbsolutePath().getParent().resolve(file).normalize();
                if (!Files.exists(resolved)) {
                    broken.add(guide + ": " + target + " (no such file)");
                } else if (hash >= 0 && !anchors(resolved).contains(target.substring(hash + 1))) {
                    broken.add(guide + ": " + target + " (no such heading)");
                }
            }
        }

        assertThat(broken).isEmpty();
    }

    /** GitHub's heading anchors: lower case, punctuation other than '-' dropped, spaces as '-'. */
    private static Set<String> anchors(Path markdown) throws IOException {
        Set<String> anchors = new TreeSet<>();
        for (String line : Files.readAllLines(markdown)) {
            if (line.matches("#+ .*")) {
                anchors.add(line.replaceFirst("#+ ", "").strip().toLowerCase(Locale.ROOT)
                        .replaceAll("[^\\p{L}\\p{N}_\\- ]", "").replace(' ', '-'));
            }
        }
        return anchors;
    }
}
