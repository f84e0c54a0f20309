package io.polarerasure.cli;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Map;
import java.util.Set;

import io.polarerasure.secrets.Redaction;

/**
 * Reads the Polar access token from the environment or a file, never from the command line (where
 * every user of the machine can read it in the process list).
 */
final class AccessToken {

    static final String ENVIRONMENT_VARIABLE = "POLAR_ACCESS_TOKEN";
    /** Where systemd puts a service's credentials ({@code LoadCredential=}). */
    static final String CREDENTIALS_DIRECTORY = "CREDENTIALS_DIRECTORY";
    /** The credential name the systemd unit loads the token under. */
    static final String CREDENTIAL_NAME = "polar-token";
    /** How Polar's organization access tokens begin (polar-api.md, "Tokens"). */
    static final String ORGANIZATION_PREFIX = "polar_oat_";

    private AccessToken() {
    }

    /** The token, also registered with {@link Redaction} so that no log line can show it from here on. */
    static String read(Path tokenFile, Map<String, String> environment) {
        String token = tokenFile != null ? fromFile(tokenFile, environment) : fromEnvironment(environment);
        Redaction.protect(token);
        return token;
    }

    /**
     * The token file to read: the one given, else {@code $CREDENTIALS_DIRECTORY/polar-token} when systemd set
     * that variable (and {@code POLAR_ACCESS_TOKEN} is not set), else none (the environment variable).
     */
    static Path defaultFile(Path tokenFile, Map<String, String> environment) {
        String credentials = environment.get(CREDENTIALS_DIRECTORY);
        if (tokenFile != null || credentials == null || credentials.isBlank()
                || environment.get(ENVIRONMENT_VARIABLE) != null) {
            return tokenFile;
        }
        return Path.of(credentials, CREDENTIAL_NAME);
    }

    /** Where the token of a run comes from, as messages name it. */
    static String source(Path tokenFile) {
        return tokenFile != null ? "the token file " + tokenFile + " (--token-file)" : ENVIRONMENT_VARIABLE;
    }

    private static String fromEnvironment(Map<String, String> environment) {
        String token = environment.get(ENVIRONMENT_VARIABLE);
        if (token == null || token.isBlank()) {
            throw new UsageException("No Polar access token: set " + ENVIRONMENT_VARIABLE
                    + " to an organization access token with the customers:write scope, or pass --token-file FILE."
                    + " Nothing was sent.");
        }
        return clean(token, "The variable " + ENVIRONMENT_VARIABLE);
    }

    /**
     * The token without what editors add around it: a UTF-8 byte order mark (Notepad), line ends, spaces and
     * non-breaking spaces (copied from a web page). Anything else that cannot be sent in an HTTP header is a
     * configuration error naming where the token came from; the message never quotes the token.
     */
    static String clean(String raw, String source) {
        int start = 0;
        int end = raw.length();
        while (start < end && isPadding(raw.charAt(start))) {
            start++;
        }
        while (end > start && isPadding(raw.charAt(end - 1))) {
            end--;
        }
        String token = raw.substring(start, end);
        if (token.isEmpty()) {
            throw new UsageException(source + " is empty. Write the organization access token into it and run again."
                    + " Nothing was sent.");
        }
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            if (!isTokenCharacter(c)) {
                throw new UsageException(String.format("%s holds a character that cannot be part of a token (U+%04X at"
                        + " position %d of %d): a token is ASCII letters, digits, underscores and hyphens (Polar's"
                        + " look like polar_oat_ followed by letters and digits). Write just the token into it (no"
                        + " quotes, no \"Bearer\", one line) and run again. Nothing was sent.",
                        source, (int) c, i + 1, token.length()));
            }
        }
        return token;
    }

    private static boolean insideCredentials(Path file, Map<String, String> environment) {
        String credentials = environment.get(CREDENTIALS_DIRECTORY);
        if (credentials == null || credentials.isBlank()) {
            return false;
        }
        try {
            return file.toRealPath().getParent().equals(Path.of(credentials).toRealPath());
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Whether {@code c} may be part of a token: ASCII letters, digits, {@code _} and {@code -}. Polar's tokens are
     * {@code polar_oat_} and other {@code polar_…_} prefixes followed by letters and digits (polar-api.md,
     * "Tokens"); the hyphen is allowed for test and proxy tokens. Quotes, spaces and anything else are refused.
     */
    private static boolean isTokenCharacter(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-';
    }

    private static boolean isPadding(char c) {
        return c == '\uFEFF' || Character.isWhitespace(c) || Character.isSpaceChar(c);
    }

    private static String fromFile(Path file, Map<String, String> environment) {
        try {
            if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
                // Anyone who can write it can swap the token for their own and read what the run does.
                if (permissions.contains(PosixFilePermission.GROUP_WRITE)
                        || permissions.contains(PosixFilePermission.OTHERS_WRITE)) {
                    throw new UsageException("The token file " + file + " can be written by users other than its"
                            + " owner, who could swap the token. Run `chmod 600 " + file + "` and then run again."
                            + " Nothing was sent.");
                }
                // systemd gives a credential a group-readable ACL the service cannot change; its folder is the
                // service's own, so owner and group reading it is as intended.
                boolean groupAllowed = insideCredentials(file, environment);
                if (permissions.contains(PosixFilePermission.OTHERS_READ)
                        || permissions.contains(PosixFilePermission.GROUP_READ) && !groupAllowed) {
                    throw new UsageException("The token file " + file + " can be read by other users. Run"
                            + " `chmod 600 " + file + "` and then run again. Nothing was sent.");
                }
            }
            return clean(Files.readString(file, StandardCharsets.UTF_8), "The token file " + file);
        } catch (CharacterCodingException e) {
            throw new UsageException("The token file " + file + " is not UTF-8 text (saved as UTF-16 or another"
                    + " encoding?). Save it as plain UTF-8 text holding only the token and run again. Nothing was"
                    + " sent.");
        } catch (IOException e) {
            throw new UsageException("Cannot read the token file " + file + " (" + e.getClass().getSimpleName()
                    + "). Check the path and its permissions, then run again. Nothing was sent.");
        }
    }
}
