/**
 * The cluster transport over TLS with mutual authentication: {@link io.membrane.cluster.tls.ClusterTls} turns
 * {@code membrane.cluster.tls} into Pekko's Artery {@code tls-tcp} settings and checks the stores before a node
 * starts; {@link io.membrane.cluster.tls.ClusterCertificates} makes a dedicated cluster CA and per-node stores
 * with the JDK's keytool; {@link io.membrane.cluster.tls.TlsInitCommand} is {@code bin/membrane cluster tls-init}.
 */
package io.membrane.cluster.tls;
