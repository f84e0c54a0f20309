/**
 * The shared kernel every feature package may use and that uses none of them: {@link io.polarerasure.kernel.Sha256}
 * (the hash that ties a run to its input file and its report). Redaction of tokens is the other half of the kernel,
 * in {@code io.polarerasure.secrets}.
 */
package io.polarerasure.kernel;
