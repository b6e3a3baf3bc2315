/** Module secure-channel; see the design notes. */
package org.attestedmigration.securechannel;
