package org.attestedmigration.migrationcore.hypervisor;

import java.time.Duration;
import java.time.Instant;

/**
 * The destination resumed the VM.
 *
 * @param epoch the VM's epoch here: one more than on the source
 * @param downtime from the source's pause (its clock, carried in the stream) to this resume (this
 *     host's clock); exact on one machine, off by the clock skew between two
 */
public record ResumeResult(long epoch, Instant resumedAt, Duration downtime) {
}
