package org.attestedmigration.migrationcore.agent;

/**
 * One step of a migration as an operator sees it.
 *
 * @param phase          {@code connecting}, {@code preparing}, a replication phase in lower case
 *                       ({@code bulk_copy}, {@code dirty_rounds}, {@code mirroring}, {@code switchover}),
 *                       {@code completing}, {@code detaching}
 * @param bytesDone      disk bytes the destination acknowledged
 * @param bytesTotal     the disk's size
 * @param bytesPerSecond recent rate
 * @param detail         free text (dirty chunks, round)
 */
public record MigrationProgress(String phase, long bytesDone, long bytesTotal, double bytesPerSecond, String detail) {
    /** A progress step without transfer figures. */
    public static MigrationProgress phase(String phase, long bytesTotal, String detail) {
        return new MigrationProgress(phase, 0, bytesTotal, 0, detail);
    }
}
