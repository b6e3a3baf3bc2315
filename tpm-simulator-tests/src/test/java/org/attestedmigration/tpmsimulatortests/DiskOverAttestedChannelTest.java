package org.attestedmigration.tpmsimulatortests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.attestedmigration.attestation.Tpm;
import org.attestedmigration.attestation.swtpm.EmulatedHost;
import org.attestedmigration.attestation.txt.SampleLaunch;
import org.attestedmigration.cli.demo.Demo;
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
import org.attestedmigration.securechannel.handshake.AttestedEndpoint;
import org.attestedmigration.securechannel.handshake.AttestedListener;
import org.attestedmigration.securechannel.handshake.MigrationRole;
import org.attestedmigration.securechannel.mux.ErrorCode;
import org.attestedmigration.securechannel.mux.MuxConfig;
import org.attestedmigration.securechannel.mux.MuxStream;
import org.attestedmigration.securechannel.mux.StreamKind;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * A disk served to its VM over NBD migrates, while it is written, to a destination host through
 * the attested TLS channel: bulk copy, dirty rounds, mirroring, switchover with equal digests.
 */
class DiskOverAttestedChannelTest {
    private static final int MIB = 1024 * 1024;
    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(MirrorMode.class)
    void diskWrittenDuringMigrationArrivesIdentical(MirrorMode mode) throws Exception {
        long size = 64L * MIB;
        byte[] content = new byte[(int) size];
        new Random(3).nextBytes(content);
        Files.write(dir.resolve("vm-disk.raw"), content);
        ChunkLayout layout = ChunkLayout.of(size);
        try (EmulatedHost source = EmulatedHost.boot("source", dir.resolve("source"), SampleLaunch.trusted().components());
                EmulatedHost destination = EmulatedHost.boot("destination", dir.resolve("destination"), SampleLaunch.trusted().components());
                DiskImage sourceDisk = DiskImage.open(dir.resolve("vm-disk.raw"), false);
                DiskImage destinationDisk = DiskImage.create(dir.resolve("migrated.raw"), size)) {
            Policy policy = Demo.enrollPair(source, destination);
            ReplicationWriteHook hook = new ReplicationWriteHook(layout);
            ChunkReceiver receiver = new ChunkReceiver(destinationDisk, new ReplicationJournal(dir.resolve("dst.journal")));
            try (NbdServer nbd = NbdServer.start(dir.resolve("vm-disk.sock"), new NbdExport("vda", sourceDisk, hook));
                    Tpm srcTpm = source.openTpm(); Tpm dstTpm = destination.openTpm();
                    AttestedEndpoint src = AttestedEndpoint.builder("source", srcTpm, source.eventLog().encode(), policy).build();
                    AttestedEndpoint dst = AttestedEndpoint.builder("destination", dstTpm, destination.eventLog().encode(), policy).build();
                    AttestedListener listener = dst.listen(new InetSocketAddress("127.0.0.1", 0),
                            conn -> AttestedSession.start(conn, MuxConfig.defaults(), in -> {
                                if (in.kind() == StreamKind.BYTES && "vda".equals(in.metadata().get("disk"))) {
                                    ChunkService.serve(receiver, in.accept());
                                } else {
                                    in.reject(ErrorCode.NOT_ALLOWED, "only the disk vda is expected");
                                }
                            }), failure -> { })) {
                var connection = src.connect("127.0.0.1", listener.address().getPort(), MigrationRole.SOURCE).get(30, TimeUnit.SECONDS);
                try (AttestedSession session = AttestedSession.start(connection, MuxConfig.defaults(),
                        in -> in.reject(ErrorCode.NOT_ALLOWED, "no streams to the source")).get(10, TimeUnit.SECONDS)) {
                    MuxStream diskStream = session.streams().open(StreamKind.BYTES, Map.of("disk", "vda")).get(10, TimeUnit.SECONDS);
                    try (GuestWriteLoad vm = GuestWriteLoad.start(sourceDisk, hook, 16, 1, 11);
                            EmbeddedReplicator replicator = new EmbeddedReplicator(sourceDisk, hook, new StreamChunkTransport(diskStream),
                            new ReplicationJournal(dir.resolve("src.journal")), ReplicationSettings.defaults(mode)
                                    .withConvergence(4L * MIB, java.time.Duration.ofSeconds(20), true), progress -> { })) {
                        replicator.converge();
                        qemuIoWrite(nbd.socketPath(), 5 * MIB); // a real NBD client writes while mirroring
                        SwitchoverResult result = replicator.switchover();
                        // The source stays paused after switchover (the VM resumes at the destination):
                        // compare now, before letting the test's writer thread go.
                        assertTrue(hook.gate().paused());
                        assertArrayEquals(result.root(), DigestTree.compute(destinationDisk, layout).root());
                        assertEquals(-1, Files.mismatch(dir.resolve("vm-disk.raw"), dir.resolve("migrated.raw")),
                                "the destination disk equals the source byte for byte");
                        assertTrue(vm.bytesWritten() > 0, "the VM really wrote during the migration");
                    }
                }
            }
        }
    }

    private static void qemuIoWrite(Path socket, long offset) throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/qemu-io")), "qemu-io not installed");
        Process p = new ProcessBuilder("qemu-io", "-f", "raw", "nbd+unix:///vda?socket=" + socket, "-c",
                "write -P 0x5a " + offset + " 256k").redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "qemu-io finished");
        assertEquals(0, p.exitValue(), output);
    }

}
