package org.attestedmigration.cli.demo;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.attestedmigration.attestation.Tpm;
import org.attestedmigration.attestation.swtpm.EmulatedHost;
import org.attestedmigration.cli.ProgressPrinter;
import org.attestedmigration.migrationcore.disk.ChunkLayout;
import org.attestedmigration.migrationcore.disk.DigestTree;
import org.attestedmigration.migrationcore.disk.DiskImage;
import org.attestedmigration.migrationcore.nbd.NbdExport;
import org.attestedmigration.migrationcore.nbd.NbdServer;
import org.attestedmigration.migrationcore.replication.ChunkReceiver;
import org.attestedmigration.migrationcore.replication.EmbeddedReplicator;
import org.attestedmigration.migrationcore.replication.GuestWriteLoad;
import org.attestedmigration.migrationcore.replication.MirrorMode;
import org.attestedmigration.migrationcore.replication.ReplicationJournal;
import org.attestedmigration.migrationcore.replication.ReplicationSettings;
import org.attestedmigration.migrationcore.replication.ReplicationWriteHook;
import org.attestedmigration.migrationcore.replication.SwitchoverResult;
import org.attestedmigration.migrationcore.transport.ChunkService;
import org.attestedmigration.migrationcore.transport.StreamChunkTransport;
import org.attestedmigration.policy.Policy;
import org.attestedmigration.securechannel.AttestedSession;
import org.attestedmigration.securechannel.handshake.AttestationRejectedException;
import org.attestedmigration.securechannel.handshake.AttestedConnection;
import org.attestedmigration.securechannel.handshake.AttestedEndpoint;
import org.attestedmigration.securechannel.handshake.AttestedListener;
import org.attestedmigration.securechannel.handshake.HandshakeException;
import org.attestedmigration.securechannel.handshake.MigrationRole;
import org.attestedmigration.securechannel.mux.ErrorCode;
import org.attestedmigration.securechannel.mux.MuxConfig;
import org.attestedmigration.securechannel.mux.MuxStream;
import org.attestedmigration.securechannel.mux.StreamKind;

/**
 * The demo's network part: the source's agent connects to the destination's over TLS 1.3 on
 * loopback, both attest each other inside that connection, and only if both accept does the VM's
 * disk — served over NBD and written to by the VM all along — migrate through a stream of that
 * connection: bulk copy, dirty rounds, mirroring, switchover with equal digests.
 */
final class ChannelDemo {
    /** What happened on the wire. */
    record Outcome(boolean opened, String detail, long handshakeMs, Disk disk) {
    }

    /** The disk migration, when the channel opened. */
    record Disk(long sizeBytes, long bytesSent, long guestBytesWritten, String sourceDigest, String destinationDigest, long switchoverPauseMs,
            long migrationMs) {
    }

    private static final String EXPORT = "vda";

    private ChannelDemo() {
    }

    static Outcome run(EmulatedHost source, EmulatedHost destination, Policy policy, long diskBytes, MirrorMode mode,
            ProgressPrinter progress) throws Exception {
        // 128 KiB chunks: a small guest write re-sends 128 KiB, not a whole megabyte.
        ChunkLayout layout = new ChunkLayout(diskBytes, 128 * 1024);
        Path sourceFile = source.directory().resolve("vm-disk.raw");
        Path destinationFile = destination.directory().resolve("vm-disk.raw");
        fill(sourceFile, diskBytes);
        try (DiskImage sourceDisk = DiskImage.open(sourceFile, false);
                DiskImage destinationDisk = DiskImage.create(destinationFile, diskBytes)) {
            ReplicationWriteHook hook = new ReplicationWriteHook(layout);
            ChunkReceiver receiver = new ChunkReceiver(destinationDisk, new ReplicationJournal(destination.directory().resolve("vm-disk.journal")));
            try (NbdServer nbd = NbdServer.start(source.directory().resolve("vm-disk.sock"), new NbdExport(EXPORT, sourceDisk, hook));
                    Tpm srcTpm = source.openTpm(); Tpm dstTpm = destination.openTpm();
                    AttestedEndpoint src = AttestedEndpoint.builder(source.name(), srcTpm, source.eventLog().encode(), policy).build();
                    AttestedEndpoint dst = AttestedEndpoint.builder(destination.name(), dstTpm, destination.eventLog().encode(), policy).build();
                    AttestedListener listener = dst.listen(new InetSocketAddress("127.0.0.1", 0),
                            conn -> AttestedSession.start(conn, MuxConfig.defaults(), in -> {
                                if (in.kind() == StreamKind.BYTES && EXPORT.equals(in.metadata().get("disk"))) {
                                    ChunkService.serve(receiver, in.accept());
                                } else {
                                    in.reject(ErrorCode.NOT_ALLOWED, "the destination expects the disk " + EXPORT + " only");
                                }
                            }),
                            failure -> { })) {
                AttestedConnection connection;
                try {
                    connection = src.connect("127.0.0.1", listener.address().getPort(), MigrationRole.SOURCE).get(60, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    return new Outcome(false, describe(e.getCause()), 0, null);
                }
                String detail = connection.tls().protocol() + " " + connection.tls().cipherSuite() + " on " + connection.engine()
                        + ", both verdicts ACCEPT";
                try (AttestedSession session = AttestedSession.start(connection, MuxConfig.defaults(),
                        in -> in.reject(ErrorCode.NOT_ALLOWED, "the source accepts no streams")).get(10, TimeUnit.SECONDS)) {
                    MuxStream diskStream = session.streams().open(StreamKind.BYTES, Map.of("disk", EXPORT)).get(10, TimeUnit.SECONDS);
                    return new Outcome(true, detail, connection.handshakeTime().toMillis(),
                            migrateDisk(sourceDisk, destinationDisk, hook, diskStream, mode, source.directory(), progress));
                }
            }
        }
    }

    private static Disk migrateDisk(DiskImage sourceDisk, DiskImage destinationDisk, ReplicationWriteHook hook, MuxStream stream,
            MirrorMode mode, Path dir, ProgressPrinter progress) throws Exception {
        GuestWriteLoad guest = GuestWriteLoad.start(sourceDisk, hook, 4, 2, 2);
        long size = sourceDisk.size();
        long start = System.nanoTime();
        try (EmbeddedReplicator replicator = new EmbeddedReplicator(sourceDisk, hook, new StreamChunkTransport(stream),
                new ReplicationJournal(dir.resolve("vm-disk.journal")), ReplicationSettings.defaults(mode)
                        .withConvergence(8L << 20, Duration.ofSeconds(30), true),
                p -> progress.update("disk", p.phase().name().toLowerCase(java.util.Locale.ROOT), Math.min(p.bytesSent(), size), size,
                        p.bytesPerSecond(), p.dirtyChunks() + " dirty chunks" + (p.round() > 0 ? ", round " + p.round() : "")))) {
            replicator.converge();
            SwitchoverResult result = replicator.switchover();
            progress.finish();
            // The guest stays paused at the source after switchover; it would resume at the destination.
            String destinationRoot = HexFormat.of().formatHex(DigestTree.compute(destinationDisk, hook.chunkMap().layout()).root());
            guest.close();
            return new Disk(size, result.bytesSent(), guest.bytesWritten(), HexFormat.of().formatHex(result.root()), destinationRoot,
                    result.pausedFor().toMillis(), (System.nanoTime() - start) / 1_000_000);
        }
    }

    /** A disk with content: a repeated pseudo-random megabyte, quick to write even for 1 GiB. */
    private static void fill(Path file, long size) throws java.io.IOException {
        byte[] block = new byte[1 << 20];
        new Random(1).nextBytes(block);
        try (DiskImage disk = DiskImage.create(file, size)) {
            for (long off = 0; off < size; off += block.length) {
                block[0] = (byte) (off >> 20);
                disk.write(off, ByteBuffer.wrap(block, 0, (int) Math.min(block.length, size - off)));
            }
        }
    }

    private static String describe(Throwable t) {
        if (t instanceof AttestationRejectedException r) {
            return "refused by " + (r.rejectedBy() == AttestationRejectedException.RejectedBy.LOCAL ? "the source" : "the destination")
                    + " at " + r.step() + ": " + String.join("; ", r.verdict().reasons());
        }
        if (t instanceof HandshakeException h) {
            return "handshake failed at " + h.step() + " (" + h.failure() + "): " + h.getMessage();
        }
        return "failed: " + t;
    }
}
