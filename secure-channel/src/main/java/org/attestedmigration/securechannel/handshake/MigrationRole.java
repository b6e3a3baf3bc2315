package org.attestedmigration.securechannel.handshake;

import org.attestedmigration.policy.PeerRole;

/** The part a host intends to play in the migration the connection is for. */
public enum MigrationRole {
    /** Sends the VM. */
    SOURCE,
    /** Receives the VM. */
    DESTINATION;

    public MigrationRole opposite() {
        return this == SOURCE ? DESTINATION : SOURCE;
    }

    /** The same role as the policy names a peer's. */
    public PeerRole asPeerRole() {
        return this == SOURCE ? PeerRole.SOURCE : PeerRole.DESTINATION;
    }
}
