package org.attestedmigration.cli;

/** Exit codes of attested-migrate; scripts can tell a refusal from a usage mistake from a broken TPM. */
public final class ExitCode {
    /** Done; for a verification: accepted. */
    public static final int OK = 0;
    /** A verification or attestation rejected the evidence; the reason was printed. */
    public static final int REJECTED = 1;
    /** Wrong arguments or unreadable input files. */
    public static final int USAGE = 2;
    /** The TPM, a tool it needs, or the file system failed. */
    public static final int FAILURE = 3;
    /** A bug: an unexpected exception, printed with its stack trace. */
    public static final int INTERNAL = 70;

    private ExitCode() {
    }
}
