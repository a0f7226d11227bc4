package io.membrane.actors.api.model;

import java.util.List;

/** GET /v1/map: every global map the agent owns. */
public record MapList(List<MapInfo> maps) {}
