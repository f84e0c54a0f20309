package io.polarerasure.report;

/**
 * The summary page's glossary: what each outcome proves at Polar and what compliance should do about it, in the
 * words of the README's table "What each outcome proves" (Polar's behaviour from ../shared/polar-api.md, checked
 * against Polar's server source).
 */
final class OutcomeGlossary {

    private OutcomeGlossary() {
    }

    /** What each outcome proves, from Polar's behaviour (docs/polar-api facts; see the README's glossary). */
    static void append(StringBuilder html) {
        html.append("<h2>What each outcome means</h2>\n<table>\n");
        glossaryRow(html, "DELETED", "Polar answered 204: its customer record was deleted and anonymized (email and"
                + " name replaced by hashes, billing address cleared). Polar keeps orders, invoices, the tax ID, the"
                + " merchant's metadata, a business customer's name, and team members' email and name.",
                "Ask Polar's support about team members and anything kept that the request covers.");
        glossaryRow(html, "NOT_FOUND", "No live customer holds this external ID. That includes customers deleted"
                + " earlier without anonymizing (the dashboard deletes that way), whose personal data remains and no"
                + " API can reach, and people who are only members of another customer's team.",
                "Check the ID for typos; ask Polar's support about earlier deletions and team members.");
        glossaryRow(html, "REVIEW", "An earlier attempt's answer was lost and a customer created after it holds the"
                + " ID now: the job left that customer alone.", "Check with the merchant whose request it is.");
        glossaryRow(html, "FAILED", "Polar did not answer clearly even after retries: nothing is proven.",
                "Send again (retry-failed); if it fails again, a person looks at the detail.");
        glossaryRow(html, "NOT_SENT", "The run was abandoned before this row was sent: nothing was asked of Polar.",
                "Run it again if it is still to be erased.");
        glossaryRow(html, "INVALID", "The ID cannot be sent safely (empty, contains '/', '.' or '..'): never sent.",
                "Fix the request at its source.");
        glossaryRow(html, "DUPLICATE", "The same ID was on an earlier row; it was sent once, for that row.",
                "Nothing: the earlier row holds the result.");
        html.append("</table>\n");
    }

    private static void glossaryRow(StringBuilder html, String outcome, String proves, String todo) {
        html.append("<tr><th>").append(outcome).append("</th><td>").append(HtmlSummary.escape(proves)).append("<br><small>")
                .append(HtmlSummary.escape(todo)).append("</small></td></tr>\n");
    }
}
