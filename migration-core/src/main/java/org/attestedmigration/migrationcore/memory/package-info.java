/**
 * The simulated VM ({@code attested-migrate sim-vm}) and its memory migration stream: guest
 * memory in 4 KiB pages dirtied by a workload, pre-copy rounds, stop-and-copy with the CPU state,
 * a digest the destination verifies, and the fencing of {@code migrationcore.hypervisor}.
 * See docs/memory-migration.md.
 */
package org.attestedmigration.migrationcore.memory;
