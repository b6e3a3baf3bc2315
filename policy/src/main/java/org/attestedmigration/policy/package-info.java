/** Module policy; see the design notes. */
package org.attestedmigration.policy;
