package dev.brook.broker.security.oauth;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.jose4j.jwk.EcJwkGenerator;
import org.jose4j.jwk.EllipticCurveJsonWebKey;
import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwk.RsaJsonWebKey;
import org.jose4j.jwk.RsaJwkGenerator;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;
import org.jose4j.keys.EllipticCurves;
import org.jose4j.keys.HmacKey;
import org.jose4j.lang.JoseException;

/**
 * A token issuer for tests: an RSA and an EC signing key (made at test time; nothing checked in),
 * their JWKS, and JWTs signed by them, by a key the JWKS does not hold, with {@code alg: none}, or
 * with HMAC keyed by the RSA public key (the classic algorithm-confusion attack).
 */
public final class TestTokens {
  public static final String ISSUER = "https://issuer.test";
  public static final String AUDIENCE = "brook";

  public final RsaJsonWebKey rsa;
  public final EllipticCurveJsonWebKey ec;
  /** Not in the JWKS, but with the RSA key's kid: a "bad signature". */
  public final RsaJsonWebKey impostor;

  public TestTokens() {
    try {
      rsa = RsaJwkGenerator.generateJwk(2048);
      rsa.setKeyId("rsa-1");
      rsa.setUse("sig");
      ec = EcJwkGenerator.generateJwk(EllipticCurves.P256);
      ec.setKeyId("ec-1");
      impostor = RsaJwkGenerator.generateJwk(2048);
      impostor.setKeyId("rsa-1");
    } catch (JoseException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The public JWKS document. */
  public String jwks() {
    return new JsonWebKeySet(List.<JsonWebKey>of(rsa, ec)).toJson(JsonWebKey.OutputControlLevel.PUBLIC_ONLY);
  }

  /** Claims of a good token for {@code sub}, issued now, expiring in {@code ttlSeconds}. */
  public static JwtClaims claims(String sub, long nowMs, long ttlSeconds) {
    JwtClaims c = new JwtClaims();
    c.setIssuer(ISSUER);
    c.setAudience(AUDIENCE);
    c.setSubject(sub);
    c.setIssuedAt(NumericDate.fromMilliseconds(nowMs));
    c.setExpirationTime(NumericDate.fromMilliseconds(nowMs + ttlSeconds * 1000));
    c.setClaim("scope", "produce consume");
    return c;
  }

  public String rs256(JwtClaims claims) {
    return sign(claims, rsa, AlgorithmIdentifiers.RSA_USING_SHA256);
  }

  public String es256(JwtClaims claims) {
    return sign(claims, ec, AlgorithmIdentifiers.ECDSA_USING_P256_CURVE_AND_SHA256);
  }

  /** Signed by a key the issuer never published, under the real key's id. */
  public String badSignature(JwtClaims claims) {
    return sign(claims, impostor, AlgorithmIdentifiers.RSA_USING_SHA256);
  }

  /** {@code alg: none}, no signature. */
  public static String unsigned(JwtClaims claims) {
    Base64.Encoder b = Base64.getUrlEncoder().withoutPadding();
    return b.encodeToString("{\"alg\":\"none\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8)) + "."
        + b.encodeToString(claims.toJson().getBytes(StandardCharsets.UTF_8)) + ".";
  }

  /** HS256 keyed by the RSA public key's encoding, with the RSA key's kid. */
  public String hmacWithPublicKey(JwtClaims claims) {
    JsonWebSignature jws = new JsonWebSignature();
    jws.setPayload(claims.toJson());
    jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.HMAC_SHA256);
    jws.setKeyIdHeaderValue(rsa.getKeyId());
    jws.setKey(new HmacKey(rsa.getPublicKey().getEncoded()));
    jws.setDoKeyValidation(false);
    try {
      return jws.getCompactSerialization();
    } catch (JoseException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String sign(JwtClaims claims, org.jose4j.jwk.PublicJsonWebKey key, String alg) {
    JsonWebSignature jws = new JsonWebSignature();
    jws.setPayload(claims.toJson());
    jws.setAlgorithmHeaderValue(alg);
    jws.setKeyIdHeaderValue(key.getKeyId());
    jws.setKey(key.getPrivateKey());
    try {
      return jws.getCompactSerialization();
    } catch (JoseException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The OAUTHBEARER client message for {@code token}, as Kafka's client writes it. */
  public static byte[] clientMessage(String token, Map<String, String> extensions) {
    StringBuilder b = new StringBuilder("n,,\u0001auth=Bearer ").append(token).append('\u0001');
    extensions.forEach((k, v) -> b.append(k).append('=').append(v).append('\u0001'));
    return b.append('\u0001').toString().getBytes(StandardCharsets.US_ASCII);
  }
}
