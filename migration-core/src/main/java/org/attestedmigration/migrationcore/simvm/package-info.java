/**
 * The simulated VM as a process of its own ({@code attested-migrate sim-vm}), shaped like QEMU: a
 * control socket speaking JSON lines in the manner of QMP, a memory stream it writes to (or reads
 * from) a unix socket the agent listens on, and a disk it writes through the agent's NBD export.
 *
 * <p>{@link org.attestedmigration.migrationcore.simvm.SimVmMain} is the process; {@link
 * org.attestedmigration.migrationcore.simvm.ProcessHypervisor} is the agent's adapter that launches
 * and drives such processes, with the semantics of the in-process
 * {@link org.attestedmigration.migrationcore.memory.SimHypervisor}. The protocol is in
 * {@code docs/memory-migration.md}.
 */
package org.attestedmigration.migrationcore.simvm;
