package io.polarerasure.job;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

import io.polarerasure.kernel.Sha256;
import io.polarerasure.polar.PolarEnvironment;

/**
 * What a run is: the content of its request file and where it is sent. The same file against the sandbox and
 * against production are two runs (a sandbox trial must never stand in for production), and so are a run and
 * its deliberate re-run ({@code run --rerun}), told apart by their rerun number.
 *
 * @param inputSha256 SHA-256 of the request file's bytes, lowercase hex
 * @param apiUrl      the API base URL, normalised ({@link io.polarerasure.polar.PolarSettings#normalise})
 */
public record RunIdentity(String inputSha256, String apiUrl) {

    /**
     * The name of this content-and-destination in the state folder (locks, journal, snapshot): lowercase hex
     * SHA-256 of the two. Re-runs of it share it, one at a time: only the latest may be unfinished.
     */
    public String key() {
        MessageDigest digest = Sha256.newDigest();
        digest.update((inputSha256 + "\n" + apiUrl).getBytes(StandardCharsets.UTF_8));
        return Sha256.hex(digest);
    }

    /** "production", "sandbox" or "not a Polar host", for status, summaries and messages. */
    public String environment() {
        return PolarEnvironment.of(apiUrl).label();
    }
}
