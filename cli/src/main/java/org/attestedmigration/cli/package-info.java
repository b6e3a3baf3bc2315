/** Module cli; see the design notes. */
package org.attestedmigration.cli;
