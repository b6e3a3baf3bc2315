package org.attestedmigration.attestation.ek;

import java.security.cert.X509Certificate;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.x500.AttributeTypeAndValue;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;

/**
 * The TPM described by an EK certificate's subject alternative name (TCG EK Credential Profile):
 * a directoryName holding tcg-at-tpmManufacturer (2.23.133.2.1), tcg-at-tpmModel (2.23.133.2.2)
 * and tcg-at-tpmVersion (2.23.133.2.3), as the strings the certificate carries, e.g.
 * {@code id:00001014}, {@code swtpm}, {@code id:20191023}.
 */
public record TpmIdentity(String manufacturer, String model, String version) {
    public static final ASN1ObjectIdentifier TPM_MANUFACTURER = new ASN1ObjectIdentifier("2.23.133.2.1");
    public static final ASN1ObjectIdentifier TPM_MODEL = new ASN1ObjectIdentifier("2.23.133.2.2");
    public static final ASN1ObjectIdentifier TPM_VERSION = new ASN1ObjectIdentifier("2.23.133.2.3");

    private static final String ID_PREFIX = "id:";

    public TpmIdentity {
        Objects.requireNonNull(manufacturer, "manufacturer");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(version, "version");
    }

    /**
     * The TCG vendor ID when the manufacturer is written as {@code id:} and eight hex digits (the
     * profile's form), e.g. 0x00001014 for IBM, which swtpm uses.
     */
    public OptionalInt manufacturerId() {
        if (!manufacturer.regionMatches(true, 0, ID_PREFIX, 0, ID_PREFIX.length())
                || manufacturer.length() != ID_PREFIX.length() + 8) {
            return OptionalInt.empty();
        }
        try {
            return OptionalInt.of(Integer.parseUnsignedInt(manufacturer.substring(ID_PREFIX.length()), 16));
        } catch (NumberFormatException e) {
            return OptionalInt.empty();
        }
    }

    /**
     * Reads the TPM attributes from the certificate's subject alternative name. Java's own
     * accessor renders unknown attribute types as hex-encoded DER, so the extension is decoded
     * here with Bouncy Castle's ASN.1 classes instead.
     *
     * @return empty if there is no subject alternative name or it lacks any of the three
     *     attributes
     * @throws EkCertificateException with rule MALFORMED_EXTENSION if the extension does not parse
     */
    public static Optional<TpmIdentity> fromCertificate(X509Certificate certificate) throws EkCertificateException {
        byte[] extension = certificate.getExtensionValue(Extension.subjectAlternativeName.getId());
        if (extension == null) {
            return Optional.empty();
        }
        String manufacturer = null;
        String model = null;
        String version = null;
        try {
            GeneralNames names = GeneralNames.getInstance(ASN1OctetString.getInstance(extension).getOctets());
            for (GeneralName name : names.getNames()) {
                if (name.getTagNo() != GeneralName.directoryName) {
                    continue;
                }
                for (RDN rdn : X500Name.getInstance(name.getName()).getRDNs()) {
                    for (AttributeTypeAndValue atv : rdn.getTypesAndValues()) {
                        String value = text(atv.getValue());
                        if (TPM_MANUFACTURER.equals(atv.getType())) {
                            manufacturer = value;
                        } else if (TPM_MODEL.equals(atv.getType())) {
                            model = value;
                        } else if (TPM_VERSION.equals(atv.getType())) {
                            version = value;
                        }
                    }
                }
            }
        } catch (IllegalArgumentException e) {
            // BC signals malformed ASN.1 with IllegalArgumentException from its getInstance methods.
            throw new EkCertificateException(EkCertificateException.Rule.MALFORMED_EXTENSION,
                    "EK certificate subject alternative name does not parse: " + e.getMessage(), e);
        }
        if (manufacturer == null || model == null || version == null) {
            return Optional.empty();
        }
        return Optional.of(new TpmIdentity(manufacturer, model, version));
    }

    private static String text(ASN1Encodable value) {
        if (value instanceof ASN1String s) {
            return s.getString();
        }
        throw new IllegalArgumentException("TPM attribute value is not a string type");
    }
}
