package io.polarerasure.polar;

import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.ProtocolException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Locale;

/**
 * Says in plain words what a request that got no HTTP answer met, for progress lines and messages: "no answer
 * within 30 s" rather than an exception's class (or its often null message).
 */
final class TransportFailure {

    private TransportFailure() {
    }

    /**
     * @param e           what the HTTP client threw
     * @param readTimeout how long a request waits for an answer
     * @param callTimeout how long a whole request may take
     * @return a short phrase such as "no answer within 30 s" or "a reply that is not HTTP"
     */
    static String plain(IOException e, Duration readTimeout, Duration callTimeout) {
        String message = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
        if (e instanceof SocketTimeoutException && message.contains("connect")) {
            return "no connection within the connect timeout";
        }
        if (e instanceof SocketTimeoutException) {
            return "no answer within " + seconds(readTimeout);
        }
        if (e instanceof InterruptedIOException) { // OkHttp's call timeout
            return "no complete answer within " + seconds(callTimeout);
        }
        if (e instanceof ConnectException) {
            return "connection refused";
        }
        if (e instanceof UnknownHostException) {
            return "unknown host";
        }
        if (e instanceof javax.net.ssl.SSLException) {
            return "TLS handshake failed";
        }
        if (e instanceof ProtocolException) {
            return "a reply that is not HTTP";
        }
        if (e instanceof EOFException || e.getCause() instanceof EOFException
                || message.contains("unexpected end of stream")) {
            return "the connection closed without an answer";
        }
        if (e instanceof SocketException && message.contains("reset")) {
            return "the connection was reset";
        }
        return e.getClass().getSimpleName();
    }

    /**
     * What to do when requests fail this way while nothing of the run has yet answered as an HTTP server: a
     * silent or foreign service at --api-url, not Polar in trouble (Polar's edge answers even when its API is
     * down, with a 5xx).
     */
    static String fixBeforeAnyAnswer(String plain) {
        return "nothing at --api-url has answered like an HTTP server yet (" + plain + "), so it most likely"
                + " points at another service or a port that is not Polar's API; check --api-url (Polar's API is"
                + " https://api.polar.sh, sandbox https://sandbox-api.polar.sh) and any proxy in between. Rows whose"
                + " DELETE was written stay in doubt: the next run looks them up before it sends them again.";
    }

    /** Refused connections, unknown hosts and failed TLS handshakes fail before any request leaves. */
    static boolean unreached(IOException e) {
        return e instanceof ConnectException || e instanceof UnknownHostException
                || e instanceof java.net.NoRouteToHostException || e instanceof javax.net.ssl.SSLHandshakeException
                || e instanceof javax.net.ssl.SSLException && String.valueOf(e.getMessage()).contains(
                        "Unsupported or unrecognized SSL message");
    }

    /** The failure as a row's last error and a breaker's "seen": its class and a snippet of its message. */
    static String describe(IOException e) {
        return e.getClass().getSimpleName() + ": " + Answer.snippet(String.valueOf(e.getMessage()));
    }

    /** What to do when requests fail this way before reaching any server ({@link #unreached}). */
    static String fixWhenUnreached(IOException e) {
        if (e instanceof UnknownHostException) {
            return "the host of --api-url cannot be resolved; check its spelling and this machine's DNS.";
        }
        if (e instanceof javax.net.ssl.SSLException) {
            return "the TLS handshake failed; the host and port of --api-url most likely do not speak HTTPS (a"
                    + " plain-HTTP port?) or a proxy intercepts TLS.";
        }
        return "nothing accepts connections at the host and port of --api-url; check them, and any firewall or"
                + " proxy in between.";
    }

    private static String seconds(Duration duration) {
        return duration.toMillis() % 1000 == 0 ? duration.toSeconds() + " s" : duration.toMillis() + " ms";
    }
}
