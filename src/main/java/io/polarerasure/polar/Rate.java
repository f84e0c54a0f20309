package io.polarerasure.polar;

import java.time.Duration;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A request rate such as {@code 300/min}: at most {@code requests} requests in any window of
 * length {@code per}, spread evenly (one request every {@link #interval()}).
 *
 * @param asWritten the text the operator wrote (surrounding whitespace removed), shown wherever the rate is printed
 *                  so that messages, status and summaries quote the operator; null for a computed rate (a lowered
 *                  one after 429s), printed in the normalised form. Not part of equality.
 */
public record Rate(int requests, Duration per, String asWritten) {

    private static final Pattern TEXT = Pattern.compile("\\s*(\\d{1,9})\\s*/\\s*(s|min)\\s*");

    /** A computed rate, printed in the normalised form ({@code 300/min}, {@code 5/2s}). */
    public Rate(int requests, Duration per) {
        this(requests, per, null);
    }

    public Rate {
        Objects.requireNonNull(per, "per");
        if (requests < 1) {
            throw new IllegalArgumentException("rate requests must be 1 or more, was " + requests);
        }
        if (per.isNegative() || per.isZero()) {
            throw new IllegalArgumentException("rate period must be positive, was " + per);
        }
        if (per.toNanos() < requests) {
            throw new IllegalArgumentException("rate " + requests + " per " + per + " is more than one request per"
                    + " nanosecond");
        }
    }

    /** Parses {@code N/min} or {@code N/s}, for example {@code 300/min} or {@code 5/s}. */
    public static Rate parse(String text) {
        Matcher m = TEXT.matcher(String.valueOf(text));
        if (!m.matches()) {
            throw new IllegalArgumentException("rate limit '" + text + "' is not of the form N/min or N/s"
                    + " (for example 300/min or 5/s)");
        }
        return new Rate(Integer.parseInt(m.group(1)), m.group(2).equals("s") ? Duration.ofSeconds(1)
                : Duration.ofMinutes(1), text.strip());
    }

    /** The spacing between two requests, rounded up so that the rate is never exceeded. */
    public Duration interval() {
        long nanos = per.toNanos();
        return Duration.ofNanos(nanos / requests + (nanos % requests == 0 ? 0 : 1));
    }

    /** Equal when they allow the same requests per period, however each was written. */
    @Override
    public boolean equals(Object other) {
        return other instanceof Rate rate && rate.requests == requests && rate.per.equals(per);
    }

    @Override
    public int hashCode() {
        return Objects.hash(requests, per);
    }

    /** As the operator wrote it, else normalised: {@code 300/min}, {@code 5/s}, {@code 1/90s}. */
    @Override
    public String toString() {
        return asWritten != null ? asWritten : requests + "/" + unit(per);
    }

    private static String unit(Duration per) {
        if (per.equals(Duration.ofSeconds(1))) {
            return "s";
        }
        if (per.equals(Duration.ofMinutes(1))) {
            return "min";
        }
        if (per.toNanosPart() != 0) {
            return per.toString();
        }
        return per.getSeconds() % 60 == 0 ? per.toMinutes() + "min" : per.getSeconds() + "s";
    }
}
