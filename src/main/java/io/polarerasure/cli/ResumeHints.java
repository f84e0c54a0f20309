package io.polarerasure.cli;

import java.io.PrintWriter;
import java.io.Writer;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Fits the "what to do next" of the tool's messages to who runs it. By hand, a stopped run is resumed by running
 * the same command again; under {@code jobs/nightly.sh}, which sets {@value #NIGHTLY} and resumes unfinished files
 * itself, the same messages say that the next nightly run resumes it instead, and a re-run with {@code --rerun}
 * is something to do by hand.
 */
final class ResumeHints {

    /** Set (to any non-empty value) by {@code jobs/nightly.sh} for every command it runs. */
    static final String NIGHTLY = "POLAR_ERASURE_NIGHTLY";

    /**
     * What the nightly says to do after a refusal (exit 4), in place of ", then re-run the same command to resume
     * (…)": resuming is only for a fixed token, a corrected URL is another run.
     */
    static final String REFUSED_NIGHTLY = ": a fixed token resumes the run at the next nightly run; a corrected"
            + " --api-url or --sandbox is another run (see jobs/README.md, \"After a wrong URL\")";

    /** The by-hand phrases of the messages, and their nightly wording (capitalized where the phrase is). */
    private static final List<Map.Entry<Pattern, String>> NIGHTLY_WORDING = List.of(
            // Exit 4 (refused): only a fixed token resumes; a corrected URL makes the file another run.
            Map.entry(Pattern.compile(", then re-run the same command to resume \\(a fixed token resumes this run;"
                    + " with a corrected --api-url[^)]*\\)"), REFUSED_NIGHTLY),
            Map.entry(Pattern.compile("(?i:r)e-run the same command(?: \\(on any host\\))? to resume"),
                    "let the next nightly run resume it"),
            Map.entry(Pattern.compile("(?i:r)un the same command again(?:(?: to|, on any host, to) resume)?"),
                    "let the next nightly run resume it"),
            Map.entry(Pattern.compile("the same command resumes the run"), "the next nightly run resumes it"),
            Map.entry(Pattern.compile("run the same command with --rerun"),
                    "run `polar-erasure run --input FILE --rerun` by hand"));

    private final boolean nightly;

    private ResumeHints(boolean nightly) {
        this.nightly = nightly;
    }

    /** The hints for a process started with this environment. */
    static ResumeHints of(Map<String, String> environment) {
        String value = environment.get(NIGHTLY);
        return new ResumeHints(value != null && !value.isBlank());
    }

    /** Whether {@code jobs/nightly.sh} runs this process. */
    boolean nightly() {
        return nightly;
    }

    /** The message with its next step worded for this context; unchanged when run by hand. */
    String fit(String message) {
        if (!nightly || message == null) {
            return message;
        }
        String fitted = message;
        for (Map.Entry<Pattern, String> wording : NIGHTLY_WORDING) {
            Matcher matcher = wording.getKey().matcher(fitted);
            fitted = matcher.replaceAll(match -> Matcher.quoteReplacement(Character.isUpperCase(match.group().charAt(0))
                    ? wording.getValue().substring(0, 1).toUpperCase(Locale.ROOT) + wording.getValue().substring(1)
                    : wording.getValue()));
        }
        return fitted;
    }

    /** A writer onto {@code out} that fits every formatted message and line; flushes at each of them. */
    PrintWriter wrap(Writer out) {
        if (!nightly) {
            return out instanceof PrintWriter writer ? writer : new PrintWriter(out, true);
        }
        return new PrintWriter(out, true) {
            @Override
            public PrintWriter format(String format, Object... args) {
                write(fit(String.format(format, args)));
                flush();
                return this;
            }

            @Override
            public PrintWriter format(Locale locale, String format, Object... args) {
                write(fit(String.format(locale, format, args)));
                flush();
                return this;
            }

            @Override
            public void println(String line) {
                super.println(fit(line));
            }
        };
    }
}
