package org.attestedmigration.migrationcore.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.time.Instant;
import org.attestedmigration.migrationcore.hypervisor.VmSpec;
import org.junit.jupiter.api.Test;

/**
 * A zero page travels as a flag whose hash is a constant, so the digest alone cannot tell whether
 * the destination really zeroed its copy; this checks the memory itself.
 */
class ZeroPageTest {
    @Test
    void aPageThatBecameZeroIsZeroedAtTheDestination() throws Exception {
        VmSpec spec = VmSpec.ofMib("z", 1, "vda");
        GuestMemory source = new GuestMemory(spec.pageCount());
        source.fill(3, 42);
        source.fill(7, 43);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        MemoryStreamWriter writer = new MemoryStreamWriter(out);
        writer.header(spec, 2, new byte[32]);
        MemorySender sender = new MemorySender(source, writer);
        sender.sendDirty(() -> false);
        writer.roundEnd(1);
        source.zeroPage(3);
        source.dirtyLog().markWritten(3L * GuestMemory.PAGE, GuestMemory.PAGE);
        assertEquals(1, sender.sendDirty(() -> false));
        writer.paused(Instant.now());
        byte[] cpu = new CpuState(1, 0, 1, 0, SimVmOptions.defaults().withMemoryMib(1)).encode();
        writer.cpuState(cpu);
        byte[] digest = sender.digest(cpu);
        writer.end(digest);
        writer.close();
        assertEquals(spec.pageCount() - 2 + 1, sender.zeroPagesSent(), "zero pages, page 3 the second time included");

        GuestMemory destination = new GuestMemory(spec.pageCount());
        MemoryReceiver.Received r = new MemoryReceiver(spec, destination).receive(new DataInputStream(new ByteArrayInputStream(out.toByteArray())));
        assertArrayEquals(digest, r.digest());
        assertArrayEquals(source.pageHashes(), destination.pageHashes(), "the destination's memory itself equals the source's");
        assertArrayEquals(MemoryDigest.of(source.pageHashes(), cpu), digest);
    }
}
