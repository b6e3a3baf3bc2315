package org.attestedmigration.securechannel.mux;

import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The forwarding targets a peer may ask for, as exact {@code host:port} strings (IPv6 as {@code [::1]:22}).
 * Names are compared as written and never resolved here, so a peer cannot reach an address by another name.
 */
public record ForwardAllowlist(Set<String> targets) {

    public ForwardAllowlist {
        targets = targets.stream().map(t -> t.toLowerCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
    }

    public static ForwardAllowlist of(String... targets) {
        return new ForwardAllowlist(Set.of(targets));
    }

    public boolean permits(String host, int port) {
        String h = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
        return targets.contains((h + ":" + port).toLowerCase(Locale.ROOT));
    }
}
