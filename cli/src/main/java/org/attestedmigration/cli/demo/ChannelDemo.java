package org.attestedmigration.cli.demo;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.attestedmigration.attestation.Tpm;
import org.attestedmigration.attestation.swtpm.EmulatedHost;
import org.attestedmigration.cli.ProgressPrinter;
import org.attestedmigration.migrationcore.disk.ChunkLayout;
import org.attestedmigration.migrationcore.replication.ReplicatedDiskWriter;
import org.attestedmigration.migrationcore.memory.SimVmOptions;
import org.attestedmigration.migrationcore.memory.SimVm;
import org.attestedmigration.migrationcore.memory.SimHypervisor;
import org.attestedmigration.migrationcore.memory.DirtyPattern;
import org.attestedmigration.migrationcore.hypervisor.VmSpec;
import org.attestedmigration.migrationcore.hypervisor.StopAndCopyResult;
import org.attestedmigration.migrationcore.hypervisor.ResumeResult;
import org.attestedmigration.migrationcore.hypervisor.PrecopyResult;
import org.attestedmigration.migrationcore.hypervisor.OutgoingMigration;
import org.attestedmigration.migrationcore.hypervisor.MemoryReceipt;
import org.attestedmigration.migrationcore.hypervisor.MemoryMigrationSettings;
import org.attestedmigration.migrationcore.hypervisor.IncomingVm;
import org.attestedmigration.migrationcore.hypervisor.HandoverToken;
import org.attestedmigration.migrationcore.disk.DiskImage;
import org.attestedmigration.migrationcore.nbd.NbdExport;
import org.attestedmigration.migrationcore.nbd.NbdServer;
import org.attestedmigration.migrationcore.replication.ChunkReceiver;
import org.attestedmigration.migrationcore.replication.EmbeddedReplicator;
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
    record Outcome(boolean opened, String detail, long handshakeMs, Disk disk, Memory memory) {
    }

    /** The disk migration, when the channel opened. */
    record Disk(long sizeBytes, long bytesSent, long guestBytesWritten, String sourceDigest, String destinationDigest, long switchoverPauseMs,
            long migrationMs) {
    }

    /** The memory migration and the VM's downtime (paused at the source until resumed at the destination). */
    record Memory(long sizeBytes, int precopyRounds, String convergence, long pagesSent, long bytesSent, long downtimeMs,
            String sourceDigest, String destinationDigest) {
    }

    private static final String EXPORT = "vda";
    private static final String VM = "vm-1";
    private static final int MEMORY_MIB = 128;

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
            // Each host's hypervisor: the VM's disk writes go to that host's copy of the disk,
            // through the replication hook at the source.
            SimHypervisor sourceHypervisor = new SimHypervisor(source.name(), spec -> new ReplicatedDiskWriter(sourceDisk, hook),
                    Duration.ofSeconds(30));
            SimHypervisor destinationHypervisor = new SimHypervisor(destination.name(),
                    spec -> (offset, data) -> destinationDisk.write(offset, ByteBuffer.wrap(data)), Duration.ofSeconds(30));
            SimVm vm = sourceHypervisor.boot(VM, EXPORT, SimVmOptions.defaults().withMemoryMib(MEMORY_MIB)
                    .withDirtyRate(16L << 20, DirtyPattern.RANDOM, 0.1).withDiskWrites(200, 8192, diskBytes));
            IncomingMemory incoming = new IncomingMemory(destinationHypervisor, vm.spec());
            ChunkReceiver receiver = new ChunkReceiver(destinationDisk, new ReplicationJournal(destination.directory().resolve("vm-disk.journal")));
            try (NbdServer nbd = NbdServer.start(source.directory().resolve("vm-disk.sock"), new NbdExport(EXPORT, sourceDisk, hook));
                    Tpm srcTpm = source.openTpm(); Tpm dstTpm = destination.openTpm();
                    AttestedEndpoint src = AttestedEndpoint.builder(source.name(), srcTpm, source.eventLog().encode(), policy).build();
                    AttestedEndpoint dst = AttestedEndpoint.builder(destination.name(), dstTpm, destination.eventLog().encode(), policy).build();
                    AttestedListener listener = dst.listen(new InetSocketAddress("127.0.0.1", 0),
                            conn -> AttestedSession.start(conn, MuxConfig.defaults(), in -> {
                                if (in.kind() == StreamKind.BYTES && EXPORT.equals(in.metadata().get("disk"))) {
                                    ChunkService.serve(receiver, in.accept());
                                } else if (in.kind() == StreamKind.BYTES && VM.equals(in.metadata().get("memory"))) {
                                    incoming.receive(in.accept());
                                } else {
                                    in.reject(ErrorCode.NOT_ALLOWED, "the destination expects the disk " + EXPORT + " only");
                                }
                            }),
                            failure -> { })) {
                AttestedConnection connection;
                try {
                    connection = src.connect("127.0.0.1", listener.address().getPort(), MigrationRole.SOURCE).get(60, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    return new Outcome(false, describe(e.getCause()), 0, null, null);
                }
                String detail = connection.tls().protocol() + " " + connection.tls().cipherSuite() + " on " + connection.engine()
                        + ", both verdicts ACCEPT";
                try (AttestedSession session = AttestedSession.start(connection, MuxConfig.defaults(),
                        in -> in.reject(ErrorCode.NOT_ALLOWED, "the source accepts no streams")).get(10, TimeUnit.SECONDS)) {
                    MuxStream diskStream = session.streams().open(StreamKind.BYTES, Map.of("disk", EXPORT)).get(10, TimeUnit.SECONDS);
                    MuxStream memoryStream = session.streams().open(StreamKind.BYTES, Map.of("memory", VM)).get(10, TimeUnit.SECONDS);
                    try {
                        return migrateVm(vm, sourceHypervisor, incoming, sourceDisk, hook, diskStream, memoryStream, mode,
                                source.directory(), progress, detail, connection.handshakeTime().toMillis());
                    } finally {
                        // The demo is over: stop the simulated VM wherever it runs now.
                        shutDown(destinationHypervisor);
                        shutDown(sourceHypervisor);
                    }
                }
            }
        }
    }

    /**
     * The migration proper: the disk converges and mirrors while memory is pre-copied; then the VM
     * pauses, and inside that pause the disk's last chunks go and both digest trees are compared,
     * the last memory pages go, and the VM resumes at the destination with a handover token the
     * source reveals only for a receipt that matches its memory.
     */
    private static Outcome migrateVm(SimVm vm, SimHypervisor sourceHypervisor, IncomingMemory incoming, DiskImage sourceDisk,
            ReplicationWriteHook hook, MuxStream diskStream, MuxStream memoryStream, MirrorMode mode, Path dir,
            ProgressPrinter progress, String detail, long handshakeMs) throws Exception {
        long size = sourceDisk.size();
        long start = System.nanoTime();
        try (EmbeddedReplicator replicator = new EmbeddedReplicator(sourceDisk, hook, new StreamChunkTransport(diskStream),
                new ReplicationJournal(dir.resolve("vm-disk.journal")), ReplicationSettings.defaults(mode)
                        .withConvergence(8L << 20, Duration.ofSeconds(30), true),
                p -> progress.update("disk", p.phase().name().toLowerCase(Locale.ROOT), Math.min(p.bytesSent(), size), size,
                        p.bytesPerSecond(), p.dirtyChunks() + " dirty chunks" + (p.round() > 0 ? ", round " + p.round() : "")))) {
            replicator.converge();
            progress.update("memory", "pre-copy", 0, vm.spec().memoryBytes(), 0, "while the disk mirrors");
            OutgoingMigration memory = sourceHypervisor.startMemoryMigration(vm, memoryStream.outputStream(), MemoryMigrationSettings.defaults());
            PrecopyResult precopy = memory.awaitPrecopy(Duration.ofSeconds(60));
            SwitchoverResult[] disk = new SwitchoverResult[1];
            StopAndCopyResult copied = memory.stopAndCopy(() -> disk[0] = replicator.switchover());
            progress.update("memory", "switchover", vm.spec().memoryBytes(), vm.spec().memoryBytes(), 0, precopy.rounds() + " pre-copy rounds");
            progress.finish();
            MemoryReceipt receipt = incoming.receipt().get(60, TimeUnit.SECONDS);
            HandoverToken token = memory.handOver(receipt);
            ResumeResult resumed = incoming.vm().resume(token);
            memory.destroy();
            // Both roots at switchover: the destination hashed its own disk through the replication
            // stream and the replicator compared (a difference fails the switchover, before resume).
            // The destination disk changes afterwards: the VM runs there now.
            String diskRoot = HexFormat.of().formatHex(disk[0].root());
            String hex = HexFormat.of().formatHex(receipt.digest());
            Disk d = new Disk(size, disk[0].bytesSent(), 0, diskRoot, diskRoot,
                    disk[0].pausedFor().toMillis(), (System.nanoTime() - start) / 1_000_000);
            Memory m = new Memory(vm.spec().memoryBytes(), precopy.rounds(), precopy.outcome().name(), copied.pagesSent(), copied.bytesSent(),
                    resumed.downtime().toMillis(), hex, hex);
            return new Outcome(true, detail, handshakeMs, d, m);
        }
    }

    private static void shutDown(SimHypervisor hypervisor) {
        hypervisor.find(VM).ifPresent(v -> {
            try {
                ((SimVm) v).shutdown();
            } catch (Exception e) {
                // already stopped or handed over: nothing runs there
            }
        });
    }

    /** The destination's side of the memory stream: prepares the VM and receives its memory. */
    private static final class IncomingMemory {
        private final SimHypervisor hypervisor;
        private final VmSpec spec;
        private final CompletableFuture<MemoryReceipt> receipt = new CompletableFuture<>();
        private volatile IncomingVm vm;

        IncomingMemory(SimHypervisor hypervisor, VmSpec spec) {
            this.hypervisor = hypervisor;
            this.spec = spec;
        }

        void receive(MuxStream stream) {
            Thread t = new Thread(() -> {
                try {
                    vm = hypervisor.prepareDestination(spec);
                    receipt.complete(vm.receiveMemory(stream.inputStream()));
                } catch (Exception e) {
                    receipt.completeExceptionally(e);
                    stream.reset("memory migration failed: " + e.getMessage());
                }
            }, "incoming-memory");
            t.setDaemon(true);
            t.start();
        }

        CompletableFuture<MemoryReceipt> receipt() {
            return receipt;
        }

        IncomingVm vm() {
            return vm;
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
