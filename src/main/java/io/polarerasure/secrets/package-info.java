/**
 * Keeping the access token secret: {@link io.polarerasure.secrets.Redaction} masks tokens in any text, and
 * {@link io.polarerasure.secrets.RedactingLayout} applies it to every log line.
 */
package io.polarerasure.secrets;
