/**
 * The admin API's wire shapes: every request and reply body is one of these records, written and read by
 * Jackson through {@link io.membrane.actors.api.model.ApiJson}. The server builds them from its actors' replies and
 * {@link io.membrane.actors.api.client.AdminClient} returns them, so a field name is written once, here; the
 * published contract is {@code api/v1/openapi.json}, checked against these records by the route tests. Nothing in
 * this package depends on the agent, so a client loads only these classes and Jackson.
 */
package io.membrane.actors.api.model;
