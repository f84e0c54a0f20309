package io.polarerasure.polar;

import io.polarerasure.kernel.ExitCodes;
import io.polarerasure.kernel.OperatorFault;

import okhttp3.HttpUrl;

/**
 * Polar refused the run as a whole (credentials, scope or endpoint), not a single row: the
 * operator must fix the setup before anything else is sent. The message says what to fix and
 * never contains the token or an external ID.
 */
public final class PolarRefusedException extends RuntimeException implements RowFault, OperatorFault {

    private static final long serialVersionUID = 1L;

    /** {@inheritDoc} Not talking to Polar: fix the token or endpoint, then resume. */
    @Override
    public int exitCode() {
        return ExitCodes.REFUSED;
    }

    private final int status;
    private final boolean rowMayHaveLanded;

    private PolarRefusedException(int status, String message, boolean rowMayHaveLanded, Throwable cause) {
        super(message, cause);
        this.status = status;
        this.rowMayHaveLanded = rowMayHaveLanded;
    }

    /** The refusal an answer of kind UNAUTHORIZED, FORBIDDEN or NO_ROUTE stands for. */
    static PolarRefusedException of(Answer answer, HttpUrl baseUrl, String tokenSource, String polarVersion) {
        String said = "Polar answered " + answer.detail();
        return new PolarRefusedException(answer.status(), switch (answer.kind()) {
            case UNAUTHORIZED -> said + ". The access token is missing, invalid, expired or revoked, or its"
                    + " organization was deleted or blocked: set a valid organization access token in "
                    + tokenSource + ".";
            case FORBIDDEN -> said + ". The access token lacks the customers:write scope: create an organization"
                    + " access token with customers:write and set it in " + tokenSource + ".";
            case NO_ROUTE -> said + (answer.status() == 405 ? "" : " without Polar's ResourceNotFound error")
                    + ", so no API route matched under " + baseUrl + " (requests carry Polar-Version: "
                    + polarVersion + "). Check --api-url (it must be like https://api.polar.sh, without a path)"
                    + " and --polar-version.";
            default -> throw new IllegalArgumentException("not a refusal: " + answer.kind());
        }, false, null);
    }

    /**
     * An answer from the other environment than the run was started for (a production run answered by the
     * sandbox, or the reverse): what the job would report would not have happened where the operator asked.
     * The row is not marked; the environment the run meant has not received it.
     */
    static PolarRefusedException wrongEnvironment(Answer answer, PolarEnvironment expected, HttpUrl baseUrl) {
        return new PolarRefusedException(answer.status(), "The run was started against Polar " + expected.label()
                + " (" + baseUrl + ") but an answer (HTTP " + answer.status() + ") came from "
                + PolarEnvironment.answeredBy(answer.sandbox()) + (answer.kind() == Answer.Kind.ERASED
                        ? ", which erased that row's customer there: the row is kept as DELETED with a note."
                        : ". Nothing was marked for that row.") + " Check what --api-url / --sandbox point at (a"
                + " proxy, DNS or hosts entry sending the calls elsewhere), then run the same command again.", false,
                null);
    }

    /**
     * The run is not talking to Polar: its first requests (or several in a row) never reached a server or got
     * answers Polar never gives on these routes. Nothing was marked for the rows concerned.
     *
     * @param seen what the last such request met, e.g. "HTTP 200 text/html"
     * @param fix  what the operator should check
     */
    static PolarRefusedException misconfigured(String seen, String fix, HttpUrl baseUrl) {
        return new PolarRefusedException(0, "The last " + Misconfiguration.THRESHOLD + " requests to " + baseUrl
                + " did not reach Polar's API (last: " + seen + "): " + fix + " Nothing was marked for the rows"
                + " concerned; fix this, then run the same command again.", false, null);
    }

    /**
     * The same refusal for a row of which an earlier attempt lost its answer: that attempt may
     * have erased the customer, so the row must not be treated as untouched.
     */
    PolarRefusedException forRowInDoubt() {
        return new PolarRefusedException(status, getMessage(), true, this);
    }

    /** The HTTP status Polar refused with; 0 when no request reached a server. */
    public int status() {
        return status;
    }

    @Override
    public boolean rowMayHaveLanded() {
        return rowMayHaveLanded;
    }
}
