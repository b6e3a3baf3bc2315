package org.attestedmigration.migrationcore.nbd;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import org.attestedmigration.migrationcore.disk.DiskImage;

/**
 * One image served under a name, with the observer that sees its writes.
 *
 * @param name the export name clients ask for (the empty name also selects it)
 * @param image the raw image; its size is the export size
 * @param observer sees every write before it is acknowledged
 */
public record NbdExport(String name, DiskImage image, WriteObserver observer) {
    public NbdExport {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(observer, "observer");
        if (name.getBytes(StandardCharsets.UTF_8).length > NbdProtocol.MAX_NAME_LENGTH) {
            throw new IllegalArgumentException("export name longer than "
                    + NbdProtocol.MAX_NAME_LENGTH + " bytes");
        }
    }

    /** True if a client asking for {@code requested} means this export. */
    boolean answersTo(String requested) {
        return requested.isEmpty() || requested.equals(name);
    }
}
