package dev.brook.broker.config;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.spec.KeySpec;
import java.util.Base64;
import java.util.Optional;
import javax.crypto.Cipher;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encrypts the passwords a broker stores for itself (a cluster link's {@code sasl.jaas.config} and
 * {@code *password*} settings) with {@code password.encoder.secret}, as Kafka's ZooKeeper mode
 * encrypted dynamic password configs with that key, so that neither a metadata file nor ZooKeeper
 * holds them in clear. Every broker of a cluster is configured with the same secret.
 *
 * <p>Stored form, one line of text: {@value #PREFIX}{@code <salt>:<iv>:<ciphertext>} (each Base64):
 * AES-256-GCM under a key derived from the secret and the value's own random 16-byte salt by
 * PBKDF2-HMAC-SHA256 ({@value #ITERATIONS} iterations); GCM's tag makes a wrong secret or a damaged
 * value fail to decode rather than decode to garbage. A value without the prefix is a clear one
 * (written before encryption existed) and decodes to itself. {@code password.encoder.old.secret},
 * while a secret is rotated, is tried when the current secret does not open a value; new values are
 * always encrypted with the current secret. Immutable and thread-safe.
 */
public final class PasswordEncoder {
  public static final String SECRET = "password.encoder.secret";
  public static final String OLD_SECRET = "password.encoder.old.secret";
  static final String PREFIX = "encrypted:v1:";
  static final int ITERATIONS = 4096;
  private static final int SALT_BYTES = 16;
  private static final int IV_BYTES = 12;
  private static final int TAG_BITS = 128;

  private final char[] secret;
  private final char[] oldSecret;
  private final SecureRandom random;

  public PasswordEncoder(String secret, String oldSecret, SecureRandom random) {
    if (secret == null || secret.isEmpty()) throw new ConfigException(SECRET, "must not be empty");
    this.secret = secret.toCharArray();
    this.oldSecret = oldSecret == null || oldSecret.isEmpty() ? null : oldSecret.toCharArray();
    this.random = random;
  }

  /** The broker's encoder, or empty when {@code password.encoder.secret} is not set. */
  public static Optional<PasswordEncoder> fromConfig(BrokerConfig config) {
    String secret = config.getString(SECRET);
    if (secret == null) return Optional.empty();
    return Optional.of(new PasswordEncoder(secret, config.getString(OLD_SECRET), new SecureRandom()));
  }

  /** Whether {@code stored} is an encrypted value (rather than a clear one). */
  public static boolean isEncoded(String stored) {
    return stored != null && stored.startsWith(PREFIX);
  }

  /** Encrypts {@code clear} with the current secret and a fresh salt and IV. */
  public String encode(String clear) {
    byte[] salt = new byte[SALT_BYTES];
    byte[] iv = new byte[IV_BYTES];
    random.nextBytes(salt);
    random.nextBytes(iv);
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.ENCRYPT_MODE, key(secret, salt), new GCMParameterSpec(TAG_BITS, iv));
      byte[] sealed = c.doFinal(clear.getBytes(StandardCharsets.UTF_8));
      Base64.Encoder b64 = Base64.getEncoder();
      return PREFIX + b64.encodeToString(salt) + ":" + b64.encodeToString(iv) + ":" + b64.encodeToString(sealed);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is not available in this JVM", e);
    }
  }

  /**
   * The clear text of {@code stored}: decrypted with the current secret, else the old one; a clear
   * value as it is. Throws {@link ConfigException} naming {@value #SECRET} when neither secret opens
   * it (another secret encrypted it) or it is damaged.
   */
  public String decode(String stored) {
    if (!isEncoded(stored)) return stored;
    String[] parts = stored.substring(PREFIX.length()).split(":", -1);
    if (parts.length != 3) throw new ConfigException(SECRET, "a stored password is damaged (expected salt:iv:ciphertext)");
    byte[] salt;
    byte[] iv;
    byte[] sealed;
    try {
      Base64.Decoder b64 = Base64.getDecoder();
      salt = b64.decode(parts[0]);
      iv = b64.decode(parts[1]);
      sealed = b64.decode(parts[2]);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(SECRET, "a stored password is damaged (not Base64)");
    }
    Optional<String> clear = open(secret, salt, iv, sealed);
    if (clear.isEmpty() && oldSecret != null) clear = open(oldSecret, salt, iv, sealed);
    return clear.orElseThrow(() -> new ConfigException(SECRET,
        "cannot decrypt a stored password: it was encrypted with another secret (set " + OLD_SECRET
            + " to the secret it was stored with while rotating) or it is damaged"));
  }

  private static Optional<String> open(char[] secret, byte[] salt, byte[] iv, byte[] sealed) {
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.DECRYPT_MODE, key(secret, salt), new GCMParameterSpec(TAG_BITS, iv));
      return Optional.of(StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(c.doFinal(sealed))).toString());
    } catch (javax.crypto.AEADBadTagException e) {
      return Optional.empty(); // another secret, or damaged
    } catch (java.nio.charset.CharacterCodingException | GeneralSecurityException | IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  private static SecretKeySpec key(char[] secret, byte[] salt) throws GeneralSecurityException {
    KeySpec spec = new PBEKeySpec(secret, salt, ITERATIONS, 256);
    byte[] k = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
    return new SecretKeySpec(k, "AES");
  }
}
