/**
 * Membrane's own Distributed Data types: {@link io.membrane.cluster.ddata.CidrSet}, the replicated deny list,
 * and the version vectors it is built on. No actors here; the bridges in {@code io.membrane.cluster} use them.
 */
package io.membrane.cluster.ddata;
