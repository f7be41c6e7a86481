package io.stampede.model.security;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;

/** Whether a private key and a public key are one pair, by signing with one and verifying with the other. */
public final class KeyPairs {

    private static final byte[] PROBE = "stampede-key-pair-check".getBytes(StandardCharsets.UTF_8);

    private KeyPairs() {
    }

    /**
     * Whether {@code publicKey} verifies what {@code privateKey} signs: RSA and EC keys with SHA-256,
     * Ed25519 and Ed448 as they are. False for keys of no algorithm this JDK signs with.
     */
    public static boolean pair(PrivateKey privateKey, PublicKey publicKey) {
        String algorithm = switch (privateKey.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            default -> privateKey.getAlgorithm(); // Ed25519, Ed448, EdDSA
        };
        try {
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(privateKey);
            signer.update(PROBE);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(PROBE);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}
