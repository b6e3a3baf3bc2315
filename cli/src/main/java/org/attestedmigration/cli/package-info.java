/** The {@code attested-migrate} command line: TPM tools, policy administration, agents, migration and the demo. */
package org.attestedmigration.cli;
