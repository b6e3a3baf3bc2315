package org.attestedmigration.attestation.txt;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * One multiboot module tboot measures before handing over: a short label naming its role, the
 * image bytes and the command line tboot hashes with it (without the image's file name, as tboot
 * strips that before hashing).
 *
 * @param label       role of the module, e.g. "xen", "vmlinuz", "initrd"; see {@link ModuleEventData#isValidLabel}
 * @param image       the module image as loaded
 * @param commandLine the command line, possibly empty
 */
public record LaunchModule(String label, byte[] image, String commandLine) {

    public LaunchModule {
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(commandLine, "commandLine");
        if (!ModuleEventData.isValidLabel(label)) {
            throw new IllegalArgumentException("module label '" + label + "' must be 1.."
                    + ModuleEventData.MAX_LABEL_LENGTH + " characters of [A-Za-z0-9._-]");
        }
        image = image.clone();
    }

    /** Reads the image from a file. */
    public static LaunchModule fromFile(String label, Path image, String commandLine) throws IOException {
        return new LaunchModule(label, Files.readAllBytes(image), commandLine);
    }

    @Override
    public byte[] image() {
        return image.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LaunchModule m && label.equals(m.label) && commandLine.equals(m.commandLine)
                && java.util.Arrays.equals(image, m.image);
    }

    @Override
    public int hashCode() {
        return Objects.hash(label, commandLine) * 31 + java.util.Arrays.hashCode(image);
    }

    @Override
    public String toString() {
        return "LaunchModule[" + label + ", " + image.length + " bytes, cmdline=\"" + commandLine + "\"]";
    }
}
