/** Disk replication over a stream of the attested secure channel: the source's transport and the destination's service. */
package org.attestedmigration.migrationcore.transport;
