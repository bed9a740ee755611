package dev.brook.broker.security;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.security.auth.KafkaPrincipal;

/**
 * Checks a user name and password against the broker's own SASL credentials, for callers that are
 * given a password rather than a SASL exchange (HTTP Basic on the console and REST API): the
 * {@code user_<name>="<password>"} entries of every listener that serves PLAIN, and the SCRAM
 * credentials of the credential store (SCRAM-SHA-256, else SCRAM-SHA-512). A match is {@code
 * User:<name>}, the principal a SASL client of that name gets.
 *
 * <p>Every check does the same work whatever the outcome, so its time tells nothing about which
 * users exist or which store holds them: one PBKDF2 derivation (of the user's SCRAM salt and
 * iterations, or of a made-up salt at {@value ScramMechanism#MIN_ITERATIONS} iterations when the user
 * has no SCRAM credential), one constant-time comparison of the SCRAM key, and a constant-time
 * comparison against every PLAIN table (a table without the user compares against a dummy). The
 * derivation is what a SCRAM client pays per guess; here the broker pays it, so callers bound how many
 * checks run at once. A user with more SCRAM iterations than the default takes longer, as the salt and
 * iteration count a SCRAM exchange answers already tell. Thread-safe (immutable tables, a thread-safe
 * store).
 */
public final class PasswordVerifier {
  /**
   * Made on first use, not when the class initializes: every start calls {@link #of}, and the JDK's
   * first {@code SecureRandom} walks the security providers (~10 ms of the start's main thread).
   */
  private static final class Random {
    static final SecureRandom RANDOM = new SecureRandom();
  }
  private static final byte[] NO_PASSWORD = new byte[32];

  private final List<Map<String, String>> plainTables;
  private final ScramCredentialStore scram;

  public PasswordVerifier(List<Map<String, String>> plainTables, ScramCredentialStore scram) {
    this.plainTables = List.copyOf(plainTables);
    this.scram = scram;
  }

  /** A verifier over the PLAIN tables of {@code listeners} (those serving PLAIN) and {@code scram}. */
  public static PasswordVerifier of(List<SaslMechanisms> listeners, ScramCredentialStore scram) {
    List<Map<String, String>> tables = new ArrayList<>();
    for (SaslMechanisms m : listeners) {
      if (m.enabled().contains(SaslMechanisms.PLAIN)) tables.add(m.plainPasswords());
    }
    return new PasswordVerifier(tables, scram);
  }

  /**
   * {@code User:<user>} when {@code password} is the user's PLAIN password on some listener or
   * matches the user's SCRAM credential; empty otherwise (also for an empty user name).
   *
   * @throws IOException when the credential store cannot be read (a cluster's ZooKeeper)
   */
  public Optional<KafkaPrincipal> verify(String user, byte[] password) throws IOException {
    boolean ok = scramMatches(user, password);
    for (Map<String, String> table : plainTables) {
      String expected = table.get(user);
      byte[] expectedBytes = expected == null ? NO_PASSWORD : expected.getBytes(StandardCharsets.UTF_8);
      ok |= MessageDigest.isEqual(expectedBytes, password) & expected != null;
    }
    if (!ok || user.isEmpty()) return Optional.empty();
    return Optional.of(new KafkaPrincipal(KafkaPrincipal.USER_TYPE, user));
  }

  /**
   * What identifies the user's current SCRAM credentials (their stored keys; empty without any), so
   * that something remembered about a successful check stops matching once they change.
   */
  public byte[] fingerprint(String user) throws IOException {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    for (ScramMechanism m : ScramMechanism.values()) {
      Optional<ScramCredential> c = scram.credential(user, m);
      out.write(m.type());
      if (c.isPresent()) {
        out.write(c.get().storedKey());
        out.write(c.get().salt());
      }
    }
    return out.toByteArray();
  }

  private boolean scramMatches(String user, byte[] password) throws IOException {
    ScramMechanism mechanism = ScramMechanism.SCRAM_SHA_256;
    Optional<ScramCredential> c = scram.credential(user, mechanism);
    if (c.isEmpty()) {
      Optional<ScramCredential> c512 = scram.credential(user, ScramMechanism.SCRAM_SHA_512);
      if (c512.isPresent()) {
        mechanism = ScramMechanism.SCRAM_SHA_512;
        c = c512;
      }
    }
    // An empty password is never a SCRAM password (an HMAC key cannot be empty); the same work is done
    // with a stand-in so that it is refused in the same time.
    boolean known = c.isPresent() && password.length > 0;
    ScramCredential credential = c.isPresent() ? c.get() : madeUp(mechanism);
    byte[] key = password.length > 0 ? password : new byte[] {0};
    // As a SCRAM client would: SaltedPassword, ClientKey, StoredKey = H(ClientKey).
    byte[] salted = mechanism.saltedPassword(key, credential.salt(), credential.iterations());
    byte[] clientKey = mechanism.hmac(salted, "Client Key".getBytes(StandardCharsets.US_ASCII));
    return MessageDigest.isEqual(mechanism.hash(clientKey), credential.storedKey()) & known;
  }

  private static ScramCredential madeUp(ScramMechanism mechanism) {
    byte[] salt = new byte[16];
    Random.RANDOM.nextBytes(salt);
    byte[] key = new byte[32];
    Random.RANDOM.nextBytes(key);
    return new ScramCredential(salt, key, key, ScramMechanism.MIN_ITERATIONS);
  }

  @Override
  public String toString() {
    return "PasswordVerifier[" + plainTables.size() + " PLAIN table(s), SCRAM store]"; // never the passwords
  }
}
