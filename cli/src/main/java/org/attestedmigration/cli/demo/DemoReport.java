package org.attestedmigration.cli.demo;

import java.util.List;
import org.attestedmigration.policy.RuleResult;

/** What the demo reports; {@link Result} is the {@code --json} output. */
public final class DemoReport {
    private DemoReport() {
    }

    /**
     * @param result    {@code migrated}, {@code refused}, {@code aborted} or {@code in_doubt}
     * @param accepted  true when migrated
     * @param bytesSent disk and memory bytes that crossed the attested channel
     * @param totalMs   the whole demo, hosts booted and enrolled included
     */
    public record Result(String result, boolean accepted, Attestations attestation, Channel channel, Disk disk, Memory memory,
            Placement vm, long downtimeMs, long bytesSent, String policyFile, long totalMs) {
    }

    /** The attested TLS connection the source's agent opened to the destination's, as the destination's agent saw it. */
    public record Channel(boolean opened, String detail, long handshakeMs) {
    }

    /** Both directions; "source" is the verdict on the source host (reached by the destination), and vice versa. */
    public record Attestations(Side source, Side destination) {
    }

    /** One verdict for the JSON output. */
    public record Side(String verifiedBy, String verdict, List<String> reasons, List<RuleResult> rules, String akName, String pcr18,
            long milliseconds) {
        static Side of(HostAttestation.Outcome o) {
            return new Side(o.verifier(), o.verdict().decision().name(), o.verdict().reasons(), o.verdict().results(), o.akName(), o.pcr18(),
                    o.milliseconds());
        }
    }

    /**
     * The disk migration, when it happened.
     *
     * @param guestBytesWritten what the guest wrote to its disk from the request until the migration's end
     * @param sourceDigest      the disk's digest tree root at switchover on the source
     * @param destinationDigest the root the destination computed before serving the disk
     * @param switchoverPauseMs how long the disk's writes were paused for the switchover
     * @param migrationMs       from the request to the outcome
     */
    public record Disk(long sizeBytes, long bytesSent, long guestBytesWritten, String sourceDigest, String destinationDigest,
            long switchoverPauseMs, long migrationMs) {
    }

    /**
     * The memory migration and the VM's downtime (paused at the source until resumed at the destination).
     * Both digests are the destination's receipt: the source hands the guest over only for a receipt
     * equal to its own memory digest at the pause.
     */
    public record Memory(long sizeBytes, int precopyRounds, String convergence, long pagesSent, long bytesSent, long downtimeMs,
            String sourceDigest, String destinationDigest) {
    }

    /**
     * Where the VM is after the demo, from both agents' {@code status}.
     *
     * @param runsAt the host whose agent serves its disk
     * @param guest  the state of its guest there
     */
    public record Placement(String name, String runsAt, String guest) {
    }
}
