package dev.brook.broker.security.oauth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class JwtValidatorTest {
  static TestTokens tokens;
  static final long NOW = 1_800_000_000_000L;
  final MutableClock clock = new MutableClock(NOW);
  final AtomicReference<String> served = new AtomicReference<>();
  final AtomicInteger fetches = new AtomicInteger();

  @BeforeAll
  static void keys() {
    tokens = new TestTokens();
  }

  private JwtValidator validator(String issuer, List<String> audiences) throws IOException {
    served.compareAndSet(null, tokens.jwks());
    JwksSource jwks = new JwksSource("test", () -> {
      fetches.incrementAndGet();
      String s = served.get();
      if (s == null) throw new IOException("down");
      return s;
    }, 3_600_000, 1_000, 8_000, clock);
    jwks.load();
    return new JwtValidator(jwks, issuer, audiences, 30, "sub", "scope", clock);
  }

  private JwtValidator validator() throws IOException {
    return validator(TestTokens.ISSUER, List.of("other", TestTokens.AUDIENCE));
  }

  @Test
  void acceptsRs256AndEs256TokensWithTheSubjectAsPrincipalAndTheirExpiry() throws Exception {
    JwtValidator v = validator();
    JwtValidator.ValidatedToken t = v.validate(tokens.rs256(TestTokens.claims("alice", NOW, 600)));
    assertThat(t.principal()).isEqualTo("alice");
    assertThat(t.expiresAtMs()).isEqualTo(NOW + 600_000);
    assertThat(t.scopes()).containsExactly("produce", "consume");
    assertThat(v.validate(tokens.es256(TestTokens.claims("bob", NOW, 60))).principal()).isEqualTo("bob");
  }

  @Test
  void refusesUnsignedHmacAndForeignlySignedTokens() throws Exception {
    JwtValidator v = validator();
    JwtClaims c = TestTokens.claims("mallory", NOW, 600);
    assertRefused(v, TestTokens.unsigned(c), "none");
    assertRefused(v, tokens.hmacWithPublicKey(c), "HS256");
    assertRefused(v, tokens.badSignature(c), "signature");
    // a token whose header names no key id and an algorithm no key of the JWKS serves
    assertRefused(v, "eyJhbGciOiJSUzI1NiJ9.e30.AAAA", "");
    assertRefused(v, "not-a-jwt", "3 parts");
    assertRefused(v, "a.b.c.d.e", "3 parts");
  }

  @Test
  void checksIssuerAudienceExpiryNotBeforeAndIssuedAtWithTheClockSkew() throws Exception {
    JwtValidator v = validator();
    JwtClaims wrongIssuer = TestTokens.claims("alice", NOW, 600);
    wrongIssuer.setIssuer("https://elsewhere.test");
    assertRefused(v, tokens.rs256(wrongIssuer), "iss");
    JwtClaims wrongAudience = TestTokens.claims("alice", NOW, 600);
    wrongAudience.setAudience("not-brook");
    assertRefused(v, tokens.rs256(wrongAudience), "aud");
    JwtClaims noAudience = TestTokens.claims("alice", NOW, 600);
    noAudience.unsetClaim("aud");
    assertRefused(v, tokens.rs256(noAudience), "aud");

    // exp: 20 s ago is within the 30 s skew, 40 s ago is not
    assertThat(v.validate(tokens.rs256(TestTokens.claims("alice", NOW - 620_000, 600))).principal()).isEqualTo("alice");
    assertRefused(v, tokens.rs256(TestTokens.claims("alice", NOW - 640_000, 600)), "(exp=");
    JwtClaims noExp = TestTokens.claims("alice", NOW, 600);
    noExp.unsetClaim("exp");
    assertRefused(v, tokens.rs256(noExp), "exp");
    JwtClaims noIat = TestTokens.claims("alice", NOW, 600);
    noIat.unsetClaim("iat");
    assertRefused(v, tokens.rs256(noIat), "iat");
    JwtClaims future = TestTokens.claims("alice", NOW, 600);
    future.setNotBefore(NumericDate.fromMilliseconds(NOW + 60_000));
    assertRefused(v, tokens.rs256(future), "nbf");
    future.setNotBefore(NumericDate.fromMilliseconds(NOW + 20_000));
    assertThat(v.validate(tokens.rs256(future)).principal()).isEqualTo("alice");
    assertRefused(v, tokens.rs256(TestTokens.claims("alice", NOW + 120_000, 600)), "iat");
  }

  @Test
  void withoutAnExpectedIssuerAnyIsAcceptedButWithoutExpectedAudiencesATokenNamingOneIsRefusedAsInKafka() throws Exception {
    JwtValidator v = validator(null, List.of());
    JwtClaims c = TestTokens.claims("alice", NOW, 600);
    c.setIssuer("anyone");
    c.unsetClaim("aud");
    assertThat(v.validate(tokens.rs256(c)).principal()).isEqualTo("alice");
    c.setAudience("anything");
    assertRefused(v, tokens.rs256(c), "aud");
  }

  @Test
  void theSubjectClaimIsRequiredAndMayBeRenamed() throws Exception {
    JwtValidator v = validator();
    JwtClaims noSub = TestTokens.claims("alice", NOW, 600);
    noSub.unsetClaim("sub");
    assertRefused(v, tokens.rs256(noSub), "sub");
    JwtClaims blank = TestTokens.claims(" ", NOW, 600);
    assertRefused(v, tokens.rs256(blank), "sub");

    JwksSource jwks = new JwksSource("test", tokens::jwks, 3_600_000, 1_000, 8_000, clock);
    jwks.load();
    JwtValidator renamed = new JwtValidator(jwks, null, List.of(TestTokens.AUDIENCE), 30, "client_id", "scp", clock);
    JwtClaims c = TestTokens.claims("ignored", NOW, 600);
    c.setClaim("client_id", "service-a");
    c.setStringListClaim("scp", "a", "b");
    JwtValidator.ValidatedToken t = renamed.validate(tokens.rs256(c));
    assertThat(t.principal()).isEqualTo("service-a");
    assertThat(t.scopes()).containsExactly("a", "b");
    c.setClaim("scp", 42);
    assertThat(renamed.validate(tokens.rs256(c)).scopes()).as("a scope claim of another type: none, as Kafka reads it").isEmpty();
    c.setClaim("scp", List.of("a", 42));
    assertRefused(renamed, tokens.rs256(c), "scp");
  }

  @Test
  void aRotatedKeyIsFoundByReadingTheJwksAgainAtMostOncePerBackoff() throws Exception {
    JwtValidator v = validator();
    TestTokens rotated = new TestTokens();
    rotated.rsa.setKeyId("rsa-2"); // the issuer's next key
    String token = rotated.rs256(TestTokens.claims("alice", NOW, 600));
    int before = fetches.get();
    assertRefused(v, token, "no key");
    assertThat(fetches.get()).as("an unknown key: the JWKS read again").isEqualTo(before + 1);
    assertRefused(v, token, "no key");
    assertThat(fetches.get()).as("not again within the backoff").isEqualTo(before + 1);

    served.set(rotated.jwks());
    clock.advance(1_000);
    assertThat(v.validate(token).principal()).isEqualTo("alice");
  }

  @Test
  void aJwksThatCannotBeReadKeepsTheKeysHeldAndIsRetriedAfterABackoff() throws Exception {
    JwtValidator v = validator();
    String good = tokens.rs256(TestTokens.claims("alice", NOW + 3_600_000, 600));
    served.set(null);
    clock.advance(3_600_000); // stale: read again, which fails
    int before = fetches.get();
    assertThat(v.validate(good).principal()).isEqualTo("alice");
    assertThat(fetches.get()).isEqualTo(before + 1);
    assertThat(v.validate(good).principal()).isEqualTo("alice");
    assertThat(fetches.get()).as("no read within the backoff").isEqualTo(before + 1);
    clock.advance(1_000);
    v.validate(good);
    assertThat(fetches.get()).isEqualTo(before + 2);
    clock.advance(1_000); // the backoff doubled to 2 s
    v.validate(good);
    assertThat(fetches.get()).isEqualTo(before + 2);
  }

  @Test
  void aJwksWithoutAsymmetricSigningKeysIsRefused() {
    assertThatThrownBy(() -> JwksSource.parse("{\"keys\":[{\"kty\":\"oct\",\"k\":\"c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA\"}]}"))
        .isInstanceOf(IOException.class).hasMessageContaining("no RSA or EC signing key");
    assertThatThrownBy(() -> JwksSource.parse("{not json")).isInstanceOf(IOException.class);
  }

  private static void assertRefused(JwtValidator v, String token, String reason) {
    assertThatThrownBy(() -> v.validate(token)).isInstanceOf(JwtValidator.InvalidTokenException.class)
        .hasMessageContaining(reason);
  }

  /** A clock tests move by hand. */
  static final class MutableClock extends Clock {
    private long ms;

    MutableClock(long ms) {
      this.ms = ms;
    }

    void advance(long by) {
      ms += by;
    }

    @Override
    public long millis() {
      return ms;
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(ms);
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }
}
