package org.attestedmigration.cli.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.attestedmigration.attestation.swtpm.EmulatedHost;
import org.attestedmigration.migrationcore.agent.AdminClient;
import org.attestedmigration.migrationcore.agent.Agent;
import org.attestedmigration.migrationcore.agent.AgentConfigException;
import org.attestedmigration.migrationcore.agent.AgentConfigReader;
import org.attestedmigration.migrationcore.agent.AgentStartException;
import org.attestedmigration.migrationcore.agent.HostPort;
import org.attestedmigration.migrationcore.disk.DiskImage;

/**
 * One host of {@link LocalHosts}: its emulated TPM and launch, and the in-process agent it runs,
 * configured through a configuration file exactly as {@code attested-migrate agent --config} is.
 */
public final class LocalHost implements AutoCloseable {
    private final EmulatedHost emulated;
    private final Path policyDirectory;
    private int agentsStarted;
    private int disksCreated;
    private Agent agent;

    LocalHost(EmulatedHost emulated, Path policyDirectory) {
        this.emulated = emulated;
        this.policyDirectory = policyDirectory;
    }

    public String name() {
        return emulated.name();
    }

    /** The TPM and launch, for attestation outside the agent. */
    public EmulatedHost emulated() {
        return emulated;
    }

    /**
     * A new raw disk image of {@code bytes} in this host's directory with content (a repeated
     * pseudo-random megabyte: quick to write even for 1 GiB, and not all zeros). Each call makes a
     * new file: an agent renames a disk that migrated away with a one-second time stamp, so one
     * name reused within a second would collide.
     */
    public Path createDisk(String vm, long bytes) throws IOException {
        Path images = Files.createDirectories(emulated.directory().resolve("images"));
        disksCreated++;
        Path file = images.resolve(disksCreated == 1 ? vm + ".raw" : vm + "." + disksCreated + ".raw");
        byte[] block = new byte[1 << 20];
        new Random(1).nextBytes(block);
        try (DiskImage disk = DiskImage.create(file, bytes)) {
            for (long off = 0; off < bytes; off += block.length) {
                block[0] = (byte) (off >> 20);
                disk.write(off, ByteBuffer.wrap(block, 0, (int) Math.min(block.length, bytes - off)));
            }
        }
        return file;
    }

    /** Where an arriving disk of {@code vm} goes if this host's configuration names it (nothing is created). */
    public Path arrivingDisk(String vm) throws IOException {
        return Files.createDirectories(emulated.directory().resolve("images")).resolve(vm + ".arrived.raw");
    }

    /**
     * Starts this host's agent serving {@code vms}, with a fresh data directory; an agent started
     * before is stopped first (its data directory stays until the hosts close).
     *
     * @throws AgentStartException the agent could not start; the reason names what
     */
    public Agent startAgent(List<LocalVm> vms) throws IOException, AgentStartException {
        stopAgent();
        agentsStarted++;
        Path config = writeConfig(emulated.directory().resolve("agent-" + agentsStarted), vms);
        try {
            agent = Agent.start(AgentConfigReader.read(config), Set.of());
        } catch (AgentConfigException e) {
            throw new IllegalStateException("the harness wrote a configuration the agent refuses: " + e.getMessage(), e);
        }
        return agent;
    }

    /** The running agent. */
    public Agent agent() {
        if (agent == null) {
            throw new IllegalStateException("no agent runs on " + name());
        }
        return agent;
    }

    /** The running agent's admin API, as {@code attested-migrate migrate --agent-socket} uses it. */
    public AdminClient admin() {
        return new AdminClient(agent().adminSocket());
    }

    /** Where peer agents reach the running agent. */
    public HostPort address() {
        return new HostPort("127.0.0.1", agent().listenAddress().getPort());
    }

    public void stopAgent() {
        if (agent != null) {
            agent.close();
            agent = null;
        }
    }

    /** The configuration file {@code docs/agent.md} describes, in the data directory's parent. */
    private Path writeConfig(Path data, List<LocalVm> vms) throws IOException {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        ObjectNode root = yaml.createObjectNode()
                .put("host", name())
                .put("tpm", emulated.tpmUri().toString())
                .put("eventLog", emulated.directory().resolve(EmulatedHost.EVENT_LOG_FILE).toString())
                .put("policy", policyDirectory.resolve(DemoPolicy.POLICY_FILE).toString())
                .put("dataDirectory", data.toString())
                .put("listen", "127.0.0.1:0");
        root.putArray("administratorKeys").add(policyDirectory.resolve(DemoPolicy.ADMIN_PUBLIC_KEY).toString());
        ObjectNode vmNodes = root.putObject("vms");
        for (LocalVm vm : vms) {
            ObjectNode node = vmNodes.putObject(vm.name()).put("disk", vm.disk().toString());
            if (vm.simulated() != null) {
                node.putObject("simulated").put("memoryMib", vm.simulated().memoryMib())
                        .put("dirtyMiBps", vm.simulated().dirtyBytesPerSecond() >> 20)
                        .put("diskWritesPerSecond", vm.simulated().diskWritesPerSecond())
                        .put("process", vm.simulated().process());
            }
        }
        Path file = data.resolveSibling(data.getFileName() + ".yaml");
        yaml.writeValue(file.toFile(), root);
        return file;
    }

    @Override
    public void close() {
        stopAgent();
        emulated.close();
    }
}
