package io.polarerasure.polar;

import java.time.Instant;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The part of Polar's customer object (the look-up's 200 body) the job needs; every other field, the
 * personal data included, is ignored and never kept. Polar sets {@code created_at} itself (API callers
 * cannot), in UTC: it tells the customer who held the ID before a lost attempt from one who took the
 * freed ID afterwards (polar-api.md, "The look-up").
 *
 * @param id         Polar's customer UUID, the only safe target of a second erasure
 * @param externalId the external ID the customer holds
 * @param createdAt  when Polar created the customer, by Polar's clock
 */
public record Customer(UUID id, @JsonProperty("external_id") String externalId,
                       @JsonProperty("created_at") Instant createdAt) {
}
