package dev.brook.broker.security.oauth;

import java.time.Clock;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jwk.PublicJsonWebKey;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.MalformedClaimException;
import org.jose4j.jwt.NumericDate;
import org.jose4j.jwt.consumer.InvalidJwtException;
import org.jose4j.jwt.consumer.JwtConsumer;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;
import org.jose4j.lang.JoseException;
import org.jose4j.lang.UnresolvableKeyException;

/**
 * Decides whether a bearer token is a JWT this broker accepts, as Kafka's broker-side validator
 * does (KIP-768), and always with its signature checked: a compact JWS signed with an asymmetric
 * algorithm (RS*, PS*, ES*; never {@code none}, never HMAC) by a key of the issuer's JWKS, with
 * {@code exp} and {@code iat} present, {@code exp}/{@code nbf}/{@code iat} valid now within the
 * clock skew, {@code iss} equal to the expected issuer when one is configured, {@code aud} naming an
 * expected audience (without expected audiences, a token that has an {@code aud} is refused, as in
 * Kafka), and a non-blank subject claim, which becomes the principal. The scope claim is read as
 * space-separated scopes or a list of strings; a list holding anything else refuses the token.
 *
 * <p>Immutable and thread-safe; called on the SASL executor (a validation may read the JWKS again).
 */
public final class JwtValidator {
  /** The signature algorithms accepted: asymmetric only, so a public key can never serve as an HMAC secret. */
  static final List<String> ALGORITHMS = List.of(
      AlgorithmIdentifiers.RSA_USING_SHA256, AlgorithmIdentifiers.RSA_USING_SHA384, AlgorithmIdentifiers.RSA_USING_SHA512,
      AlgorithmIdentifiers.RSA_PSS_USING_SHA256, AlgorithmIdentifiers.RSA_PSS_USING_SHA384, AlgorithmIdentifiers.RSA_PSS_USING_SHA512,
      AlgorithmIdentifiers.ECDSA_USING_P256_CURVE_AND_SHA256, AlgorithmIdentifiers.ECDSA_USING_P384_CURVE_AND_SHA384,
      AlgorithmIdentifiers.ECDSA_USING_P521_CURVE_AND_SHA512);
  private static final AlgorithmConstraints PERMITTED =
      new AlgorithmConstraints(AlgorithmConstraints.ConstraintType.PERMIT, ALGORITHMS.toArray(new String[0]));

  /** A token refused; the message says why, for the broker's log (the client is told only {@code invalid_token}). */
  public static final class InvalidTokenException extends Exception {
    InvalidTokenException(String message) {
      super(message);
    }
  }

  /** What an accepted token establishes. */
  public record ValidatedToken(String principal, long expiresAtMs, Set<String> scopes) {}

  private final JwksSource jwks;
  private final String expectedIssuer;
  private final List<String> expectedAudiences;
  private final int clockSkewSeconds;
  private final String subClaim;
  private final String scopeClaim;
  private final Clock clock;

  /**
   * @param expectedIssuer null: {@code iss} not checked
   * @param expectedAudiences empty: {@code aud} not checked
   */
  public JwtValidator(JwksSource jwks, String expectedIssuer, List<String> expectedAudiences, int clockSkewSeconds,
      String subClaim, String scopeClaim, Clock clock) {
    this.jwks = jwks;
    this.expectedIssuer = expectedIssuer;
    this.expectedAudiences = List.copyOf(expectedAudiences);
    this.clockSkewSeconds = clockSkewSeconds;
    this.subClaim = subClaim;
    this.scopeClaim = scopeClaim;
    this.clock = clock;
  }

  public ValidatedToken validate(String token) throws InvalidTokenException {
    // A compact JWS has three parts; five would be an encrypted JWT, which is not served.
    if (token.chars().filter(c -> c == '.').count() != 2) throw new InvalidTokenException("not a signed JWT (a compact JWS has 3 parts)");
    JwtClaims claims;
    try {
      claims = consumer().processToClaims(token);
    } catch (InvalidJwtException e) {
      throw new InvalidTokenException(e.getMessage());
    } catch (RuntimeException e) {
      // jose4j's parsers are not meant to throw these, but a token is attacker-controlled input.
      throw new InvalidTokenException("unreadable token: " + e);
    }
    try {
      Object sub = claims.getClaimValue(subClaim);
      if (!(sub instanceof String s) || s.isBlank()) {
        throw new InvalidTokenException("the subject claim '" + subClaim + "' is missing or not a non-blank string");
      }
      return new ValidatedToken(s.trim(), claims.getExpirationTime().getValueInMillis(), scopes(claims));
    } catch (MalformedClaimException e) {
      throw new InvalidTokenException(e.getMessage());
    }
  }

  private JwtConsumer consumer() {
    JwtConsumerBuilder b = new JwtConsumerBuilder()
        .setJwsAlgorithmConstraints(PERMITTED)
        .setVerificationKeyResolver((jws, nesting) -> {
          String alg = jws.getAlgorithmHeaderValue();
          if (alg == null || !ALGORITHMS.contains(alg)) {
            throw new UnresolvableKeyException("signature algorithm '" + alg + "' is not accepted (only " + ALGORITHMS + ")");
          }
          PublicJsonWebKey key;
          try {
            key = jwks.select(jws);
          } catch (JoseException e) {
            throw new UnresolvableKeyException("no key for the token: " + e.getMessage(), e);
          }
          if (key == null) throw new UnresolvableKeyException("no key of the JWKS matches the token (kid " + jws.getKeyIdHeaderValue() + ", " + alg + ")");
          return key.getPublicKey();
        })
        .setRequireExpirationTime()
        .setRequireIssuedAt()
        .setIssuedAtRestrictions(clockSkewSeconds, Integer.MAX_VALUE)
        .setAllowedClockSkewInSeconds(clockSkewSeconds)
        .setEvaluationTime(NumericDate.fromMilliseconds(clock.millis()));
    if (expectedIssuer != null) b.setExpectedIssuer(expectedIssuer);
    // Without expected audiences a token that names one is refused (jose4j's default, which Kafka keeps).
    if (!expectedAudiences.isEmpty()) b.setExpectedAudience(expectedAudiences.toArray(new String[0]));
    return b.build();
  }

  private Set<String> scopes(JwtClaims claims) throws InvalidTokenException {
    Object v = claims.getClaimValue(scopeClaim);
    Set<String> out = new LinkedHashSet<>();
    if (v == null) return out;
    if (v instanceof String s) {
      for (String part : s.trim().split(" +")) if (!part.isEmpty()) out.add(part);
    } else if (v instanceof List<?> list) {
      for (Object o : list) {
        if (!(o instanceof String s) || s.isBlank()) throw new InvalidTokenException("the scope claim '" + scopeClaim + "' holds a non-string");
        out.add(s.trim());
      }
    }
    // Any other type: no scopes, as Kafka reads it.
    return out;
  }
}
