package io.membrane.actors.api.model;

/**
 * One global map as GET /v1/map and GET /v1/status list it.
 *
 * @param type    the kernel's map type, lower case ({@code lpm_trie})
 * @param outcome how the agent got it at start: created, reused, or recreated with why
 */
public record MapInfo(String name, String type, int entries, int maxEntries, String pinPath, String outcome) {}
