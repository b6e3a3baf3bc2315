package org.attestedmigration.policy;

import java.util.Objects;
import java.util.Optional;

/**
 * An allowed boot module (Xen, dom0 kernel, initrd) as tboot measures it:
 * H(H(cmdline) || H(image)). Written either as the image digest (H(image), what an administrator
 * computes from the file) plus the exact command line, or as the enrolled measurement itself
 * (then the command line, if given, must also match the logged one).
 */
public record ModuleRule(String name, Optional<HexValue> imageDigest, Optional<String> commandLine, Optional<HexValue> measurement) {
    public ModuleRule {
        Objects.requireNonNull(name, "name");
        if (imageDigest.isPresent() == measurement.isPresent()) {
            throw new IllegalArgumentException("module rule '" + name + "' needs exactly one of imageDigest and measurement");
        }
        if (imageDigest.isPresent() && commandLine.isEmpty()) {
            throw new IllegalArgumentException("module rule '" + name + "' with an imageDigest needs its commandLine");
        }
    }
}
