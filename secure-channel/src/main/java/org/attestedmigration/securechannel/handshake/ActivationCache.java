package org.attestedmigration.securechannel.handshake;

import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.attestedmigration.attestation.TrustedAttestationKey;
import org.attestedmigration.attestation.tpm2.PublicArea;
import org.attestedmigration.policy.HexValue;

/**
 * Activated (EK, AK) pairs one endpoint remembers for a bounded time, so that later handshakes
 * with the same peer skip credential activation. What activation proves, that this AK lives in
 * the TPM of this certified EK, does not change while both keys stay the same: the AK is a
 * fixedTPM/fixedParent key derived from the TPM's endorsement seed and cannot leave it. Every
 * handshake still verifies a fresh quote over a new nonce and this connection's TLS key, and the
 * policy re-validates the EK certificate each time; only the TPM2_ActivateCredential round is
 * skipped.
 *
 * <p>Entries are keyed by the EK (SHA-256 of its SubjectPublicKeyInfo). A lookup hits only when
 * the EK certificate is byte-for-byte the one activated and the AK's public area (hence its name)
 * is the one activated, and the entry is younger than the lifetime. An EK presenting another AK,
 * or another certificate, drops the entry: that peer is activated again. Zero lifetime remembers
 * nothing. The cache lives in memory only, per endpoint.
 */
final class ActivationCache {
    /** Longest lifetime accepted: beyond it, a pinned AK in the policy is the right tool. */
    static final Duration MAX_LIFETIME = Duration.ofHours(1);
    /** Entries are added only for enrolled hosts that passed activation; this bounds memory regardless. */
    static final int CAPACITY = 4096;

    private final Duration lifetime;
    private final Map<HexValue, Entry> byEk = new LinkedHashMap<>();

    /** An activation as remembered. */
    record Entry(TrustedAttestationKey key, byte[] ekCertificate, Instant activatedAt) {
    }

    ActivationCache(Duration lifetime) {
        Objects.requireNonNull(lifetime, "lifetime");
        if (lifetime.isNegative() || lifetime.compareTo(MAX_LIFETIME) > 0) {
            throw new IllegalArgumentException("the activation cache lifetime must be 0 (off) .. " + MAX_LIFETIME + ", not " + lifetime);
        }
        this.lifetime = lifetime;
    }

    Duration lifetime() {
        return lifetime;
    }

    /** The remembered activation of exactly this EK certificate and this AK, if still fresh. */
    synchronized Optional<Entry> lookup(HexValue ek, byte[] ekCertificate, PublicArea ak, Instant now) {
        Entry e = byEk.get(ek);
        if (e == null) {
            return Optional.empty();
        }
        Duration age = Duration.between(e.activatedAt(), now);
        boolean fresh = !age.isNegative() && age.compareTo(lifetime) < 0;
        if (!fresh || !e.key().publicArea().equals(ak) || !MessageDigest.isEqual(e.ekCertificate(), ekCertificate)) {
            // Expired, or this EK now shows another AK or certificate: activate again.
            byEk.remove(ek);
            return Optional.empty();
        }
        return Optional.of(e);
    }

    synchronized void remember(HexValue ek, byte[] ekCertificate, TrustedAttestationKey key, Instant now) {
        if (lifetime.isZero() || key.basis() != TrustedAttestationKey.Basis.ACTIVATED) {
            return;
        }
        byEk.remove(ek);
        byEk.put(ek, new Entry(key, ekCertificate.clone(), now));
        Iterator<Map.Entry<HexValue, Entry>> oldest = byEk.entrySet().iterator();
        while (byEk.size() > CAPACITY && oldest.hasNext()) {
            oldest.next();
            oldest.remove();
        }
    }

    synchronized void forget(HexValue ek) {
        byEk.remove(ek);
    }
}
