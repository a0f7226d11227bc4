package io.membrane.actors.api.model;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * One security identity as GET /v1/identity and GET /v1/identity/{id} show it (Cilium's shape: the number and its
 * labels, canonical order).
 *
 * @param scope      {@code reserved}, {@code cluster} or {@code local}
 * @param nodesUsing the names of the nodes that publish a use of it, sorted (empty for reserved identities: every
 *                   node has them)
 */
public record IdentityInfo(
        int id,
        List<String> labels,
        String scope,
        @JsonProperty("nodes-using") List<String> nodesUsing) {}
