package org.attestedmigration.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Base64;
import java.util.HexFormat;
import org.attestedmigration.attestation.HashAlgorithm;

/**
 * An administrator's detached signature over the exact bytes of a policy file (the {@code .sig}
 * file next to it): Ed25519 or ECDSA P-256 over a domain-separation label followed by the file,
 * so a signature made for anything else never verifies as a policy signature.
 *
 * <p>The {@code .sig} file is a small JSON object: {@code format}, {@code algorithm},
 * {@code keyId} (SHA-256 of the signer's SubjectPublicKeyInfo), {@code policySha256} and
 * {@code signature} (base64). Only {@code signature} and {@code keyId} are trusted for anything,
 * and only after verification.
 */
public final class PolicySignature {
    public static final String FORMAT = "attested-migration-policy-signature/v1";
    private static final byte[] LABEL = "attested-migration policy v1\0".getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_SIGNATURE_FILE = 16 * 1024;

    private final String algorithm;
    private final HexValue keyId;
    private final byte[] signature;

    private PolicySignature(String algorithm, HexValue keyId, byte[] signature) {
        this.algorithm = algorithm;
        this.keyId = keyId;
        this.signature = signature.clone();
    }

    /** Signs the policy file's bytes. */
    public static PolicySignature sign(byte[] policyFile, PrivateKey key, PublicKey matchingPublicKey) throws GeneralSecurityException {
        String alg = AdministratorKeys.signatureAlgorithm(key);
        Signature s = Signature.getInstance(alg);
        s.initSign(key);
        s.update(LABEL);
        s.update(policyFile);
        byte[] sig = s.sign();
        PolicySignature result = new PolicySignature(alg, AdministratorKeys.keyId(matchingPublicKey), sig);
        if (!result.verifies(policyFile, matchingPublicKey)) {
            throw new GeneralSecurityException("the public key given does not belong to the signing key");
        }
        return result;
    }

    /** Whether this signature over {@code policyFile} was made by {@code key}. */
    public boolean verifies(byte[] policyFile, PublicKey key) {
        try {
            if (!AdministratorKeys.signatureAlgorithm(key).equals(algorithm)) {
                return false;
            }
            Signature s = Signature.getInstance(algorithm);
            s.initVerify(key);
            s.update(LABEL);
            s.update(policyFile);
            return s.verify(signature);
        } catch (GeneralSecurityException e) {
            return false; // a malformed signature or unusable key verifies nothing
        }
    }

    /** The id of the key that claims to have signed; a hint for choosing the key, not proof. */
    public HexValue keyId() {
        return keyId;
    }

    public String algorithm() {
        return algorithm;
    }

    public String toJson(byte[] policyFile) {
        ObjectMapper m = new ObjectMapper();
        ObjectNode n = m.createObjectNode();
        n.put("format", FORMAT);
        n.put("algorithm", algorithm);
        n.put("keyId", keyId.toString());
        n.put("policySha256", HexFormat.of().formatHex(HashAlgorithm.SHA256.digest(policyFile)));
        n.put("signature", Base64.getEncoder().encodeToString(signature));
        try {
            return m.writerWithDefaultPrettyPrinter().writeValueAsString(n) + "\n";
        } catch (IOException e) {
            throw new IllegalStateException(e); // an in-memory tree of strings always serialises
        }
    }

    /**
     * @throws PolicySignatureException when the file is not a signature file of this format
     */
    public static PolicySignature fromJson(byte[] file) throws PolicySignatureException {
        if (file.length > MAX_SIGNATURE_FILE) {
            throw new PolicySignatureException("signature file is " + file.length + " bytes; a signature file is small");
        }
        try {
            JsonNode n = new ObjectMapper().readTree(file);
            if (n == null || !n.isObject() || !FORMAT.equals(n.path("format").asText())) {
                throw new PolicySignatureException("not a policy signature file (format must be " + FORMAT + ")");
            }
            String alg = n.path("algorithm").asText();
            if (!alg.equals("Ed25519") && !alg.equals("SHA256withECDSA")) {
                throw new PolicySignatureException("unsupported signature algorithm '" + alg + "' (Ed25519, SHA256withECDSA)");
            }
            HexValue keyId = new HexValue(HexFormat.of().parseHex(n.path("keyId").asText()));
            byte[] sig = Base64.getDecoder().decode(n.path("signature").asText());
            return new PolicySignature(alg, keyId, sig);
        } catch (IOException | IllegalArgumentException e) {
            throw new PolicySignatureException("signature file does not parse: " + e.getMessage(), e);
        }
    }
}
