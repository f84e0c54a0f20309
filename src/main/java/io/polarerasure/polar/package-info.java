/**
 * Talking to Polar: {@link io.polarerasure.polar.PolarClient} sends one erase request,
 * {@link io.polarerasure.polar.Eraser} turns it into one row's {@link io.polarerasure.polar.Erasure}
 * (paced, retried, honest about lost answers) and stops the whole run on a refusal or an outage.
 * Everything here is thread-safe; one Eraser serves all workers of a run. The access token never
 * leaves {@link io.polarerasure.polar.PolarClient}: no message, detail or log contains it.
 */
package io.polarerasure.polar;
