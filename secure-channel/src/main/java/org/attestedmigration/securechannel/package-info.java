/**
 * The attested channel: a TLS 1.3 connection whose two ends have attested each other
 * ({@link org.attestedmigration.securechannel.handshake}) and which then carries multiplexed,
 * flow-controlled streams ({@link org.attestedmigration.securechannel.mux}); {@link
 * org.attestedmigration.securechannel.AttestedSession} joins the two.
 */
package org.attestedmigration.securechannel;
