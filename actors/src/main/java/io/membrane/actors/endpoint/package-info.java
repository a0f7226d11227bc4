/** Endpoints on this node: the workloads policy protects, and what each holds (addresses, identity, programs). */
package io.membrane.actors.endpoint;
