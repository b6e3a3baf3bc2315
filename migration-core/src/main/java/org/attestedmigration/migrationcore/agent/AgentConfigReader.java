package org.attestedmigration.migrationcore.agent;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.attestedmigration.attestation.TpmUri;

/**
 * Reads an agent's YAML configuration strictly: a misspelt key would otherwise silently fall back
 * to nothing, so unknown keys, missing keys and values of the wrong type are errors naming the key.
 * Relative paths are resolved against the file's directory, so a config can travel with its files.
 */
public final class AgentConfigReader {
    static final String HOST = "host";
    static final String TPM = "tpm";
    static final String EVENT_LOG = "eventLog";
    static final String POLICY = "policy";
    static final String ADMINISTRATOR_KEYS = "administratorKeys";
    static final String DATA_DIRECTORY = "dataDirectory";
    static final String LISTEN = "listen";
    static final String ADMIN_SOCKET = "adminSocket";
    static final String KEEP_MIGRATED_COPIES = "keepMigratedCopies";
    static final String VMS = "vms";
    private static final Set<String> KEYS = Set.of(HOST, TPM, EVENT_LOG, POLICY, ADMINISTRATOR_KEYS, DATA_DIRECTORY, LISTEN, ADMIN_SOCKET, VMS,
            KEEP_MIGRATED_COPIES);
    private static final List<String> REQUIRED = List.of(HOST, TPM, EVENT_LOG, POLICY, ADMINISTRATOR_KEYS, DATA_DIRECTORY, LISTEN);
    /** VM names become file and socket names, so they must be safe as both. */
    private static final Pattern VM_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    private final ObjectMapper yaml = new ObjectMapper(new YAMLFactory()).enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    private final String source;
    private final Path base;

    private AgentConfigReader(Path file) {
        this.source = file.toString();
        Path parent = file.toAbsolutePath().getParent();
        this.base = parent == null ? Path.of(".").toAbsolutePath() : parent;
    }

    /** Reads {@code file}; every problem is an {@link AgentConfigException} naming the file and the key. */
    public static AgentConfig read(Path file) throws AgentConfigException {
        return new AgentConfigReader(file).parse();
    }

    /** An {@link AgentConfig} from YAML text; relative paths resolve against {@code base}. */
    public static AgentConfig parse(String text, Path base) throws AgentConfigException {
        AgentConfigReader reader = new AgentConfigReader(base.resolve("agent.yaml"));
        return reader.bind(reader.tree(text));
    }

    private AgentConfig parse() throws AgentConfigException {
        String text;
        try {
            text = Files.readString(Path.of(source));
        } catch (NoSuchFileException e) {
            throw new AgentConfigException(source + ": no such file");
        } catch (IOException e) {
            throw new AgentConfigException(source + ": cannot read: " + e.getMessage(), e);
        }
        return bind(tree(text));
    }

    private JsonNode tree(String text) throws AgentConfigException {
        JsonNode root;
        try {
            root = yaml.readTree(text);
        } catch (JsonProcessingException e) {
            throw new AgentConfigException(source + ": not valid YAML: " + e.getOriginalMessage());
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            throw new AgentConfigException(source + ": the file is empty; it needs the keys " + REQUIRED);
        }
        if (!root.isObject()) {
            throw new AgentConfigException(source + ": the top level must be a mapping of keys " + REQUIRED);
        }
        return root;
    }

    private AgentConfig bind(JsonNode root) throws AgentConfigException {
        for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!KEYS.contains(name)) {
                throw problem(name, "unknown key (known keys: " + String.join(", ", new java.util.TreeSet<>(KEYS)) + ")");
            }
        }
        for (String key : REQUIRED) {
            if (!root.has(key) || root.get(key).isNull()) {
                throw problem(key, "missing");
            }
        }
        String host = text(root, HOST);
        TpmUri tpm;
        try {
            tpm = TpmUri.parse(text(root, TPM));
        } catch (IllegalArgumentException e) {
            throw problem(TPM, e.getMessage());
        }
        HostPort listen;
        try {
            listen = HostPort.parse(text(root, LISTEN));
        } catch (IllegalArgumentException e) {
            throw problem(LISTEN, e.getMessage());
        }
        Path data = path(root, DATA_DIRECTORY);
        Path adminSocket = root.has(ADMIN_SOCKET) && !root.get(ADMIN_SOCKET).isNull() ? path(root, ADMIN_SOCKET)
                : AgentConfig.defaultAdminSocket(data);
        Map<String, SimulatedVmSettings> simulated = new LinkedHashMap<>();
        Map<String, Path> vms = vms(root, simulated);
        java.util.Optional<java.time.Duration> keep = java.util.Optional.empty();
        if (root.has(KEEP_MIGRATED_COPIES) && !root.get(KEEP_MIGRATED_COPIES).isNull()) {
            try {
                keep = java.util.Optional.of(MigratedCopies.parseGracePeriod(root.get(KEEP_MIGRATED_COPIES).asText()));
            } catch (IllegalArgumentException e) {
                throw problem(KEEP_MIGRATED_COPIES, e.getMessage());
            }
        }
        return new AgentConfig(host, tpm, path(root, EVENT_LOG), path(root, POLICY), keys(root), data, listen, adminSocket, vms, simulated,
                keep);
    }

    private List<Path> keys(JsonNode root) throws AgentConfigException {
        JsonNode node = root.get(ADMINISTRATOR_KEYS);
        if (!node.isArray()) {
            throw problem(ADMINISTRATOR_KEYS, "must be a list of public key files");
        }
        List<Path> keys = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            JsonNode item = node.get(i);
            if (!item.isTextual() || item.asText().isBlank()) {
                throw problem(ADMINISTRATOR_KEYS + "[" + i + "]", "must be a file name");
            }
            keys.add(base.resolve(item.asText()).normalize());
        }
        return keys;
    }

    /** The keys of a VM given as a mapping rather than as its disk file alone. */
    private static final Set<String> VM_KEYS = Set.of("disk", "simulated");
    private static final Set<String> SIMULATED_KEYS = Set.of("memoryMib", "dirtyMiBps", "diskWritesPerSecond", "process");

    private Map<String, Path> vms(JsonNode root, Map<String, SimulatedVmSettings> simulated) throws AgentConfigException {
        JsonNode node = root.get(VMS);
        Map<String, Path> vms = new LinkedHashMap<>();
        if (node == null || node.isNull()) {
            return vms;
        }
        if (!node.isObject()) {
            throw problem(VMS, "must be a mapping of VM name to disk image file");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = VMS + "." + e.getKey();
            if (!VM_NAME.matcher(e.getKey()).matches()) {
                throw problem(key, "a VM name is 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit");
            }
            JsonNode value = e.getValue();
            if (value.isObject()) {
                strictKeys(value, key, VM_KEYS);
                if (value.has("simulated") && !value.get("simulated").isNull()) {
                    simulated.put(e.getKey(), simulated(value.get("simulated"), key + ".simulated"));
                }
                value = value.path("disk");
                key = key + ".disk";
            }
            if (!value.isTextual() || value.asText().isBlank()) {
                throw problem(key, "must be the disk image file");
            }
            vms.put(e.getKey(), base.resolve(value.asText()).normalize());
        }
        return vms;
    }

    private SimulatedVmSettings simulated(JsonNode node, String key) throws AgentConfigException {
        if (!node.isObject()) {
            throw problem(key, "must be a mapping of " + new java.util.TreeSet<>(SIMULATED_KEYS));
        }
        strictKeys(node, key, SIMULATED_KEYS);
        if (!node.path("memoryMib").canConvertToInt() || !node.path("memoryMib").isIntegralNumber()) {
            throw problem(key + ".memoryMib", "missing or not a whole number");
        }
        long dirty = number(node, key, "dirtyMiBps") << 20;
        JsonNode process = node.get("process");
        if (process != null && !process.isNull() && !process.isBoolean()) {
            throw problem(key + ".process", "must be true or false");
        }
        try {
            return new SimulatedVmSettings(node.get("memoryMib").asInt(), dirty, number(node, key, "diskWritesPerSecond"),
                    process != null && process.asBoolean());
        } catch (IllegalArgumentException e) {
            throw problem(key, e.getMessage());
        }
    }

    /** An optional whole number, 0 when absent. */
    private long number(JsonNode node, String key, String field) throws AgentConfigException {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return 0;
        }
        if (!v.isIntegralNumber() || v.asLong() < 0) {
            throw problem(key + "." + field, "must be a whole number >= 0");
        }
        return v.asLong();
    }

    private void strictKeys(JsonNode node, String key, Set<String> known) throws AgentConfigException {
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!known.contains(name)) {
                throw problem(key + "." + name, "unknown key (known keys: " + String.join(", ", new java.util.TreeSet<>(known)) + ")");
            }
        }
    }

    private String text(JsonNode root, String key) throws AgentConfigException {
        JsonNode node = root.get(key);
        if (!node.isTextual() && !node.isNumber()) {
            throw problem(key, "must be a single value");
        }
        String value = node.asText().trim();
        if (value.isEmpty()) {
            throw problem(key, "is empty");
        }
        return value;
    }

    private Path path(JsonNode root, String key) throws AgentConfigException {
        return base.resolve(text(root, key)).normalize();
    }

    private AgentConfigException problem(String key, String what) {
        return new AgentConfigException(source + ": key '" + key + "': " + what);
    }

    /** True if {@code name} can be a VM name (also a file and socket name). */
    static boolean validVmName(String name) {
        return name != null && VM_NAME.matcher(name).matches();
    }
}
