package io.polarerasure;

import io.polarerasure.cli.PolarErasureCommand;

import picocli.CommandLine;

/** Entry point: parses the command line, runs the command, exits with its code. */
public final class PolarErasure {

    private PolarErasure() {
    }

    public static void main(String[] args) {
        System.exit(PolarErasureCommand.execute(args));
    }

    /** The version written into the jar's manifest, or {@code dev} when run from the IDE. */
    public static String version() {
        String version = PolarErasure.class.getPackage().getImplementationVersion();
        return version == null ? "dev" : version;
    }
}
