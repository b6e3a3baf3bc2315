package org.attestedmigration.policy;

/** The part the attested peer plays in the migration being negotiated. */
public enum PeerRole {
    /** The peer sends the VM: we are the destination. */
    SOURCE,
    /** The peer receives the VM: we are the source. */
    DESTINATION
}
