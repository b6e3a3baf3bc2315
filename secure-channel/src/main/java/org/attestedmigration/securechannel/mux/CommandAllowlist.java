package org.attestedmigration.securechannel.mux;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Commands a peer may start over STDIO streams: a name the peer sends mapped to the argv run here. The peer
 * only ever chooses a name; the argv is fixed locally and run without a shell.
 */
public record CommandAllowlist(Map<String, List<String>> commands) {

    public CommandAllowlist {
        Map<String, List<String>> copy = new java.util.HashMap<>();
        for (Map.Entry<String, List<String>> e : commands.entrySet()) {
            if (e.getValue().isEmpty()) {
                throw new IllegalArgumentException("command " + e.getKey() + " has an empty argv");
            }
            copy.put(e.getKey(), List.copyOf(e.getValue()));
        }
        commands = Map.copyOf(copy);
    }

    /** The argv for an allowed name. */
    public Optional<List<String>> argv(String name) {
        return Optional.ofNullable(commands.get(name));
    }
}
