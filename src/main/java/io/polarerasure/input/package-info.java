/**
 * Reading and checking erasure requests: the file formats, delimited text and {@code .xlsx} workbooks
 * ({@link io.polarerasure.input.RequestFile}, {@link io.polarerasure.input.RequestOptions}), the rules an external
 * ID must meet to be sent, spreadsheet damage included ({@link io.polarerasure.input.IdRules}, applied once to every
 * row as it is read), the up-front scan with its duplicate index ({@link io.polarerasure.input.RequestScan}), and the
 * restartable reader for the step ({@code io.polarerasure.job.RequestReader}).
 */
package io.polarerasure.input;
