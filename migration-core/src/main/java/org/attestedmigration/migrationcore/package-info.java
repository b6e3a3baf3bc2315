/** Module migration-core; see the design notes. */
package org.attestedmigration.migrationcore;
