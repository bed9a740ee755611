package dev.brook.broker.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.junit.jupiter.api.Test;

/**
 * The server side of SCRAM against a client computed here from RFC 5802: a right proof passes, and
 * a final message whose nonce is not exactly the exchange's is refused even with a proof computed
 * over it (what librdkafka before 2.6.1 sends, and Kafka 4.1.1 refuses).
 */
class ScramServerTest {
  private static final ScramMechanism M = ScramMechanism.SCRAM_SHA_256;
  private static final byte[] SALT = "salt-of-alice".getBytes(StandardCharsets.UTF_8);
  private static final byte[] SALTED = M.saltedPassword("alice-secret".getBytes(StandardCharsets.UTF_8), SALT, 4096);
  private static final ScramCredentialStore STORE = new ScramCredentialStore() {
    @Override
    public Optional<ScramCredential> credential(String user, ScramMechanism mechanism) {
      return user.equals("alice") && mechanism == M ? Optional.of(M.credential(SALT, SALTED, 4096)) : Optional.empty();
    }

    @Override
    public Map<String, Map<ScramMechanism, ScramCredential>> all() {
      throw new UnsupportedOperationException();
    }

    @Override
    public void alter(String user, ScramMechanism mechanism, ScramCredential credential) {
      throw new UnsupportedOperationException();
    }
  };

  /** Runs the exchange; {@code finalNonce} maps the agreed nonce to the one the client sends back. */
  private static byte[] exchange(ScramServer server, java.util.function.UnaryOperator<String> finalNonce) {
    String clientNonce = "fyko+d2lbbFgONRv9qkxdawL";
    String clientFirstBare = "n=alice,r=" + clientNonce;
    String serverFirst = new String(server.evaluate(("n,," + clientFirstBare).getBytes(StandardCharsets.UTF_8)),
        StandardCharsets.UTF_8);
    String agreed = serverFirst.substring(2, serverFirst.indexOf(','));
    assertThat(agreed).startsWith(clientNonce).isNotEqualTo(clientNonce);
    String withoutProof = "c=biws,r=" + finalNonce.apply(agreed);
    byte[] clientKey = M.hmac(SALTED, "Client Key".getBytes(StandardCharsets.US_ASCII));
    byte[] authMessage = (clientFirstBare + "," + serverFirst + "," + withoutProof).getBytes(StandardCharsets.UTF_8);
    byte[] signature = M.hmac(M.hash(clientKey), authMessage);
    for (int i = 0; i < clientKey.length; i++) clientKey[i] ^= signature[i];
    return server.evaluate((withoutProof + ",p=" + Base64.getEncoder().encodeToString(clientKey))
        .getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void theRightProofOverTheAgreedNonceAuthenticates() {
    ScramServer server = new ScramServer(M, STORE);
    byte[] serverFinal = exchange(server, nonce -> nonce);
    assertThat(new String(serverFinal, StandardCharsets.UTF_8)).startsWith("v=");
    assertThat(server.isComplete()).isTrue();
    assertThat(server.authorizationId()).isEqualTo("alice");
  }

  @Test
  void aFinalNonceWithTheClientNonceRepeatedInFrontIsRefusedAsKafkaRefusesIt() {
    ScramServer server = new ScramServer(M, STORE);
    assertThatThrownBy(() -> exchange(server, nonce -> "fyko+d2lbbFgONRv9qkxdawL" + nonce))
        .isInstanceOf(SaslAuthenticationException.class)
        .hasMessage("Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256")
        .cause().hasMessageContaining("nonce mismatch");
    assertThat(server.isComplete()).isFalse();
  }

  @Test
  void aFinalNonceCutShortIsRefused() {
    ScramServer server = new ScramServer(M, STORE);
    assertThatThrownBy(() -> exchange(server, nonce -> nonce.substring(0, nonce.length() - 1)))
        .isInstanceOf(SaslAuthenticationException.class);
    assertThat(server.isComplete()).isFalse();
  }
}
