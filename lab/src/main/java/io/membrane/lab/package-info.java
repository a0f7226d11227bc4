/**
 * The multi-node lab: namespaces on a private fabric, one real agent process per node, and the helpers the
 * end-to-end tests drive it with (kill -9, restart, pings from a client namespace, each node's API).
 */
package io.membrane.lab;
