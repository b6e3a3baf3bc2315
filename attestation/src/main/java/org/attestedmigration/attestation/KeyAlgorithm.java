package org.attestedmigration.attestation;

import java.util.Locale;

/** Key types for attestation keys: ECC P-256 with ECDSA (the default) or RSA-2048 with RSASSA; SHA-256 throughout. */
public enum KeyAlgorithm {
    ECC_P256("ecc"),
    RSA_2048("rsa");

    private final String cliName;

    KeyAlgorithm(String cliName) {
        this.cliName = cliName;
    }

    public String cliName() {
        return cliName;
    }

    /** @throws IllegalArgumentException for anything but "ecc" or "rsa" */
    public static KeyAlgorithm fromCliName(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        for (KeyAlgorithm a : values()) {
            if (a.cliName.equals(n)) {
                return a;
            }
        }
        throw new IllegalArgumentException("unknown key algorithm '" + name + "' (ecc or rsa)");
    }
}
