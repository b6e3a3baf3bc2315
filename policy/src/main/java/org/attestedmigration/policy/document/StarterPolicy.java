package org.attestedmigration.policy.document;

/**
 * The document {@code policy init} writes: valid as it stands (it loads), accepting nothing until
 * the administrator adds hosts, groups and rules, with every section explained and examples
 * commented out.
 */
public final class StarterPolicy {
    /** The starter document. */
    public static final String TEXT = """
            # Trust policy of attested-migration (format: docs/policy-format.md).
            # As written it accepts nothing: add hosts, groups, migration rules and measurements, then
            # run "attested-migrate policy check" and sign it with "attested-migrate policy sign".
            apiVersion: attested-migration/v1
            # Raise the serial on every change: agents refuse a lower serial than the one they hold.
            serial: 1
            name: my-policy

            # CA certificates (root or intermediate) that issue TPM endorsement key (EK) certificates.
            trustAnchors:
              ekManufacturers: []
              #  - name: tpm-vendor-root
              #    certificate: |
              #      -----BEGIN CERTIFICATE-----
              #      ...
              #      -----END CERTIFICATE-----

            # Hosts, identified by their TPM: the SHA-256 of the EK public key and/or a pinned AK name.
            hosts: []
            #  - name: office-1
            #    ekPublicKeySha256: <64 hex digits>
            #    akName: 000b<64 hex digits>

            # Named sets of hosts; migration rules speak of groups. A host may be in several groups.
            groups: []
            #  - name: office
            #    hosts: [office-1, office-2]

            # Which group may send VMs to which; direction matters.
            migrations: []
            #  - from: office
            #    to: laptops

            # Acceptable measured software: per-PCR allowlists and TXT launch events, in one PCR bank.
            measurements:
              pcrBank: sha256
              pcrs: {}
              #  "18":
              #    - name: tboot-1.11-xen-4.17
              #      value: <digest>
              # launch:              # an absent category is not checked, an empty one allows nothing
              #   sinit: [{name: sinit, digest: <digest>}]
              #   mle: [{name: tboot, digest: <digest>}]
              #   hypervisor: [{name: xen, imageDigest: <digest>, commandLine: "dom0_mem=2048M"}]

            # How fresh evidence must be (durations: integer + ms, s, m or h).
            freshness:
              maxEvidenceAge: 60s
              nonceLifetime: 30s
              # reattestEvery: 10m

            # The attested channel: TLS 1.3 always; these suites; whether quotes bind the RFC 9266 exporter.
            tls:
              cipherSuites: [TLS_AES_256_GCM_SHA384, TLS_AES_128_GCM_SHA256, TLS_CHACHA20_POLY1305_SHA256]
              requireExporter: false

            # Never accepted again: host names, and EK public key hashes or AK names.
            revoked:
              hosts: []
              keys: []
            """;

    private StarterPolicy() {
    }
}
