package dev.brook.broker.http;

import dev.brook.broker.security.PasswordVerifier;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.kafka.common.security.auth.KafkaPrincipal;

/**
 * HTTP Basic authentication (RFC 7617) against the broker's SASL credentials ({@link
 * PasswordVerifier}): no {@code Authorization} header is {@code User:ANONYMOUS}; a valid one is
 * {@code User:<name>}; anything else (wrong password, unknown user, another scheme, malformed) fails.
 *
 * <p>A full check costs a PBKDF2 derivation, the same for every outcome (see {@link PasswordVerifier}).
 * The console sends its credentials with every call, so a success is remembered for {@value
 * #REMEMBER_MS} ms as a keyed hash (HMAC under a key made at startup) of user, password and the user's
 * current SCRAM credential: the next request with the same pair is answered from memory, and a changed
 * or deleted credential no longer matches at once. Failures are never remembered, so every wrong guess
 * pays the full check (and {@link BrokerHttpServer} answers it only after the failure delay). At most
 * {@value #MAX_REMEMBERED} users are remembered. Thread-safe.
 */
final class HttpAuthenticator {
  static final long REMEMBER_MS = 300_000;
  static final int MAX_REMEMBERED = 10_000;

  /** What a request's {@code Authorization} header proves. */
  sealed interface Outcome {
    /** No credentials: {@code User:ANONYMOUS}. */
    record Anonymous() implements Outcome {}

    record Authenticated(KafkaPrincipal principal) implements Outcome {}

    /** Credentials that do not check out; {@code reason} is safe to show (it never says which part was wrong). */
    record Failed(String reason) implements Outcome {}
  }

  private record Remembered(byte[] tag, long untilNanos) {}

  private final PasswordVerifier verifier;
  private final LongSupplier nanoTime;
  private final byte[] key = new byte[32];
  private final ConcurrentHashMap<String, Remembered> remembered = new ConcurrentHashMap<>();

  HttpAuthenticator(PasswordVerifier verifier, LongSupplier nanoTime) {
    this.verifier = verifier;
    this.nanoTime = nanoTime;
    new SecureRandom().nextBytes(key);
  }

  /** Authenticates the value of an {@code Authorization} header (null: none). */
  Outcome authenticate(String header) throws IOException {
    if (header == null || header.isBlank()) return new Outcome.Anonymous();
    String h = header.trim();
    if (h.length() < 6 || !h.substring(0, 6).toLowerCase(Locale.ROOT).equals("basic ")) {
      return new Outcome.Failed("only HTTP Basic authentication is supported");
    }
    byte[] decoded;
    try {
      decoded = Base64.getDecoder().decode(h.substring(6).trim());
    } catch (IllegalArgumentException e) {
      return new Outcome.Failed("malformed Basic credentials");
    }
    int colon = indexOf(decoded, (byte) ':');
    String user = colon <= 0 ? null : utf8(decoded, 0, colon);
    if (user == null) return new Outcome.Failed("malformed Basic credentials (expected user:password)");
    byte[] password = java.util.Arrays.copyOfRange(decoded, colon + 1, decoded.length);
    byte[] tag = tag(user, password);
    Remembered r = remembered.get(user);
    if (r != null && nanoTime.getAsLong() - r.untilNanos() < 0 && MessageDigest.isEqual(r.tag(), tag)) {
      return new Outcome.Authenticated(new KafkaPrincipal(KafkaPrincipal.USER_TYPE, user));
    }
    Optional<KafkaPrincipal> p = verifier.verify(user, password);
    if (p.isEmpty()) return new Outcome.Failed("authentication failed: invalid user name or password");
    if (remembered.size() >= MAX_REMEMBERED) remembered.clear();
    remembered.put(user, new Remembered(tag, nanoTime.getAsLong() + REMEMBER_MS * 1_000_000));
    return new Outcome.Authenticated(p.get());
  }

  private byte[] tag(String user, byte[] password) throws IOException {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      byte[] u = user.getBytes(StandardCharsets.UTF_8);
      mac.update(ByteBuffer.allocate(4).putInt(u.length).array());
      mac.update(u);
      mac.update(ByteBuffer.allocate(4).putInt(password.length).array());
      mac.update(password);
      mac.update(verifier.fingerprint(user));
      return mac.doFinal();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static int indexOf(byte[] b, byte x) {
    for (int i = 0; i < b.length; i++) if (b[i] == x) return i;
    return -1;
  }

  /** Strict UTF-8 (RFC 7617's charset), or null when the bytes are not UTF-8. */
  private static String utf8(byte[] b, int from, int to) {
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b, from, to - from)).toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }
}
