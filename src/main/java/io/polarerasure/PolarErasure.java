package io.polarerasure;

import io.polarerasure.cli.PolarErasureCommand;

/** Entry point: parses the command line, runs the command, exits with its code. Nothing depends on this class. */
public final class PolarErasure {

    private PolarErasure() {
    }

    public static void main(String[] args) {
        System.exit(PolarErasureCommand.execute(args));
    }
}
