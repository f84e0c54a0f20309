package io.polarerasure.cli;

import java.io.IOException;
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

    private AccessToken() {
    }

    /** The token, also registered with {@link Redaction} so that no log line can show it from here on. */
    static String read(Path tokenFile, Map<String, String> environment) {
        String token = tokenFile != null ? fromFile(tokenFile) : fromEnvironment(environment);
        Redaction.protect(token);
        return token;
    }

    private static String fromEnvironment(Map<String, String> environment) {
        String token = environment.get(ENVIRONMENT_VARIABLE);
        if (token == null || token.isBlank()) {
            throw new UsageException("No Polar access token: set " + ENVIRONMENT_VARIABLE
                    + " to an organization access token with the customers:write scope, or pass --token-file FILE."
                    + " Nothing was sent.");
        }
        return token.strip();
    }

    private static String fromFile(Path file) {
        try {
            if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
                if (permissions.contains(PosixFilePermission.GROUP_READ)
                        || permissions.contains(PosixFilePermission.OTHERS_READ)) {
                    throw new UsageException("The token file " + file + " can be read by other users. Run"
                            + " `chmod 600 " + file + "` and then run again. Nothing was sent.");
                }
            }
            String token = Files.readString(file, StandardCharsets.UTF_8).strip();
            if (token.isEmpty()) {
                throw new UsageException("The token file " + file + " is empty. Write the organization access"
                        + " token into it and run again. Nothing was sent.");
            }
            return token;
        } catch (IOException e) {
            throw new UsageException("Cannot read the token file " + file + " (" + e.getClass().getSimpleName()
                    + "). Check the path and its permissions, then run again. Nothing was sent.");
        }
    }
}
