/** The demo: emulated hosts, each with its own software TPM and TXT launch, attesting each other. */
package org.attestedmigration.cli.demo;
