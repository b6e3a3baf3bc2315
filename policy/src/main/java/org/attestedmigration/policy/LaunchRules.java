package org.attestedmigration.policy;

import java.util.List;
import java.util.Optional;

/**
 * Event-level rules for a TXT launch with tboot, split as Intel ISecL splits flavors:
 * platform (the SINIT ACM and the platform's PCR 17 measurements), OS (tboot, Xen, dom0 kernel,
 * initrd). An absent category is not checked; a present but empty one allows nothing.
 */
public record LaunchRules(Optional<List<NamedDigest>> sinit, Optional<List<PlatformEventRule>> platform,
        Optional<List<NamedDigest>> mle, Optional<List<ModuleRule>> hypervisor, Optional<List<ModuleRule>> kernel,
        Optional<List<ModuleRule>> initrd) {

    public static final LaunchRules NONE = new LaunchRules(Optional.empty(), Optional.empty(), Optional.empty(),
            Optional.empty(), Optional.empty(), Optional.empty());

    public LaunchRules {
        sinit = sinit.map(List::copyOf);
        platform = platform.map(List::copyOf);
        mle = mle.map(List::copyOf);
        hypervisor = hypervisor.map(List::copyOf);
        kernel = kernel.map(List::copyOf);
        initrd = initrd.map(List::copyOf);
    }

    /** Whether no category is constrained. */
    public boolean isEmpty() {
        return this.equals(NONE);
    }
}
