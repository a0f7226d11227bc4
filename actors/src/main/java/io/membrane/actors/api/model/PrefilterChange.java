package io.membrane.actors.api.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * The body of PATCH (add) and DELETE (remove) /v1/prefilter.
 *
 * @param deny     CIDR texts, at least one
 * @param revision the revision the change is based on; absent: no check, present and stale: 409
 * @param scope    {@code node} (absent means node) or {@code cluster}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PrefilterChange(List<String> deny, Long revision, String scope) {
    /** A node-scoped change with no revision check. */
    public static PrefilterChange of(List<String> deny) {
        return new PrefilterChange(deny, null, null);
    }

    public PrefilterChange withScope(String s) {
        return new PrefilterChange(deny, revision, s);
    }

    public PrefilterChange withRevision(long r) {
        return new PrefilterChange(deny, r, scope);
    }
}
