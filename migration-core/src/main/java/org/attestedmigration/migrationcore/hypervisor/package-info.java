/**
 * The hypervisor adapter: how a VM's memory and CPU state move between hosts, and the fencing that
 * keeps the VM running in exactly one place. A simulated VM implements it in
 * {@code migrationcore.memory}; QEMU and Xen adapters plug into the same interface.
 */
package org.attestedmigration.migrationcore.hypervisor;
