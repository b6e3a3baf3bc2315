/** Module drbd-adapter; see the design notes. */
package org.attestedmigration.drbdadapter;
