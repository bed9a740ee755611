package dev.brook.broker.security;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The SCRAM mechanisms Kafka serves (RFC 5802 with RFC 7677's hashes), their Kafka type ids (those
 * of AlterUserScramCredentials) and the primitives of RFC 5802 section 2.2. Iterations: 4096 to
 * 16384, as Kafka accepts.
 */
public enum ScramMechanism {
  SCRAM_SHA_256("SCRAM-SHA-256", (byte) 1, "SHA-256", "HmacSHA256"),
  SCRAM_SHA_512("SCRAM-SHA-512", (byte) 2, "SHA-512", "HmacSHA512");

  public static final int MIN_ITERATIONS = 4096;
  public static final int MAX_ITERATIONS = 16384;

  private final String mechanismName;
  private final byte type;
  private final String hash;
  private final String hmac;

  ScramMechanism(String mechanismName, byte type, String hash, String hmac) {
    this.mechanismName = mechanismName;
    this.type = type;
    this.hash = hash;
    this.hmac = hmac;
  }

  public String mechanismName() {
    return mechanismName;
  }

  public byte type() {
    return type;
  }

  public static Optional<ScramMechanism> forName(String name) {
    for (ScramMechanism m : values()) if (m.mechanismName.equals(name)) return Optional.of(m);
    return Optional.empty();
  }

  public static Optional<ScramMechanism> forType(byte type) {
    for (ScramMechanism m : values()) if (m.type == type) return Optional.of(m);
    return Optional.empty();
  }

  public byte[] hash(byte[] in) {
    try {
      return MessageDigest.getInstance(hash).digest(in);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  public byte[] hmac(byte[] key, byte[] in) {
    try {
      Mac mac = Mac.getInstance(hmac);
      mac.init(new SecretKeySpec(key, hmac));
      return mac.doFinal(in);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Hi(password, salt, i): PBKDF2 with this mechanism's HMAC; slow by design (clients only). */
  public byte[] saltedPassword(byte[] password, byte[] salt, int iterations) {
    try {
      Mac mac = Mac.getInstance(hmac);
      mac.init(new SecretKeySpec(password, hmac));
      mac.update(salt);
      byte[] u = mac.doFinal(new byte[] {0, 0, 0, 1});
      byte[] result = u.clone();
      for (int i = 1; i < iterations; i++) {
        u = mac.doFinal(u);
        for (int j = 0; j < result.length; j++) result[j] ^= u[j];
      }
      return result;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The stored credential of a salted password (what AlterUserScramCredentials carries). */
  public ScramCredential credential(byte[] salt, byte[] saltedPassword, int iterations) {
    byte[] clientKey = hmac(saltedPassword, "Client Key".getBytes(StandardCharsets.US_ASCII));
    byte[] serverKey = hmac(saltedPassword, "Server Key".getBytes(StandardCharsets.US_ASCII));
    return new ScramCredential(salt, hash(clientKey), serverKey, iterations);
  }
}
