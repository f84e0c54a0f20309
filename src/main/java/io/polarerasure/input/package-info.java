/**
 * Reading and checking erasure requests: the CSV format ({@link io.polarerasure.input.RequestFile}), the rules an
 * external ID must meet to be sent ({@link io.polarerasure.input.IdRules}), the up-front scan with its duplicate
 * index ({@link io.polarerasure.input.RequestScan}), and the restartable reader for the step
 * ({@link io.polarerasure.input.RequestReader}).
 */
package io.polarerasure.input;
