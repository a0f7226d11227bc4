/**
 * The cluster-wide half of the ipcache: the claims in Distributed Data and the bridge that mirrors them into each
 * node's IpCache actor ({@link io.membrane.cluster.ipcache.IpCacheReplication}).
 */
package io.membrane.cluster.ipcache;
