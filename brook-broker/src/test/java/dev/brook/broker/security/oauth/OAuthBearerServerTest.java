package dev.brook.broker.security.oauth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.security.oauthbearer.internals.OAuthBearerClientInitialResponse;
import org.apache.kafka.common.security.auth.SaslExtensions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class OAuthBearerServerTest {
  static TestTokens tokens;
  static JwtValidator validator;
  static final long NOW = JwtValidatorTest.NOW;

  @BeforeAll
  static void setUp() throws Exception {
    tokens = new TestTokens();
    JwtValidatorTest.MutableClock clock = new JwtValidatorTest.MutableClock(NOW);
    JwksSource jwks = new JwksSource("test", tokens::jwks, 3_600_000, 1_000, 8_000, clock);
    jwks.load();
    validator = new JwtValidator(jwks, TestTokens.ISSUER, List.of(TestTokens.AUDIENCE), 30, "sub", "scope", clock);
  }

  @Test
  void kafkasClientMessageIsParsedWithAuthorizationIdAndExtensions() throws Exception {
    // What Kafka's client sends, written by Kafka's own class.
    byte[] kafka = new OAuthBearerClientInitialResponse("a.b.c", "alice", new SaslExtensions(Map.of("traceId", "x y"))).toBytes();
    ClientFirstMessage m = ClientFirstMessage.parse(kafka);
    assertThat(m.token()).isEqualTo("a.b.c");
    assertThat(m.authorizationId()).isEqualTo("alice");
    assertThat(m.extensions()).containsExactly(Map.entry("traceId", "x y"));
    assertThat(ClientFirstMessage.parse("n,,\u0001auth=bearer   t0k.en\u0001\u0001".getBytes(StandardCharsets.US_ASCII)).token())
        .isEqualTo("t0k.en");
  }

  @Test
  void malformedClientMessagesAreRefused() {
    for (String bad : List.of("", "\u0001", "p=tls-unique,,\u0001auth=Bearer t\u0001\u0001", "n,\u0001auth=Bearer t\u0001\u0001",
        "n,,auth=Bearer t\u0001\u0001", "n,,\u0001auth=Bearer t\u0001", "n,,\u0001\u0001", "n,,\u0001auth=Basic t\u0001\u0001",
        "n,,\u0001auth=Bearer \u0001\u0001", "n,,\u0001auth=Bearer t!\u0001\u0001", "n,,\u0001auth=Bearer t\u0001auth=Bearer u\u0001\u0001",
        "n,,\u0001auth=Bearer t\u0001x1=v\u0001\u0001", "n,,\u0001auth=Bearer t\u0001x=\u0001\u0001", "n,,\u0001auth=Bearer t\u0001x=\u00ff\u0001\u0001",
        "n,a=,\u0001auth=Bearer t\u0001\u0001", "n,a=b=c,\u0001auth=Bearer t\u0001\u0001", "n,b=c,\u0001auth=Bearer t\u0001\u0001")) {
      assertThatThrownBy(() -> ClientFirstMessage.parse(bad.getBytes(StandardCharsets.ISO_8859_1)))
          .as(bad.replace('\u0001', '|')).isInstanceOf(SaslAuthenticationException.class)
          .hasMessageStartingWith("Invalid OAUTHBEARER client message");
    }
  }

  @Test
  void aGoodTokenCompletesTheExchangeAsItsSubjectUntilItsExpiry() {
    OAuthBearerServer s = new OAuthBearerServer(validator);
    byte[] out = s.evaluate(TestTokens.clientMessage(tokens.rs256(TestTokens.claims("alice", NOW, 300)), Map.of("ext", "1")));
    assertThat(out).isEmpty();
    assertThat(s.isComplete()).isTrue();
    assertThat(s.authorizationId()).isEqualTo("alice");
    assertThat(s.credentialExpiresAtMs()).hasValue(NOW + 300_000);
    assertThatThrownBy(() -> s.evaluate(new byte[] {1})).isInstanceOf(SaslAuthenticationException.class);
  }

  @Test
  void aRefusedTokenIsAnsweredWithRfc7628ErrorJsonThenFailsOnTheClientsAcknowledgement() {
    OAuthBearerServer s = new OAuthBearerServer(validator);
    byte[] challenge = s.evaluate(TestTokens.clientMessage(TestTokens.unsigned(TestTokens.claims("alice", NOW, 300)), Map.of()));
    assertThat(new String(challenge, StandardCharsets.UTF_8)).isEqualTo("{\"status\":\"invalid_token\"}");
    assertThat(s.isComplete()).isFalse();
    assertThatThrownBy(() -> s.evaluate(new byte[] {1})).isInstanceOf(SaslAuthenticationException.class)
        .hasMessage("{\"status\":\"invalid_token\"}");
  }

  @Test
  void anAuthorizationIdOtherThanTheSubjectIsRefused() {
    OAuthBearerServer s = new OAuthBearerServer(validator);
    byte[] message = ("n,a=bob,\u0001auth=Bearer " + tokens.rs256(TestTokens.claims("alice", NOW, 300)) + "\u0001\u0001")
        .getBytes(StandardCharsets.US_ASCII);
    assertThatThrownBy(() -> s.evaluate(message)).isInstanceOf(SaslAuthenticationException.class)
        .hasMessageContaining("authorization id");
    assertThat(s.isComplete()).isFalse();
  }

  @Test
  void aMalformedMessageFailsWithKafkasMessage() {
    OAuthBearerServer s = new OAuthBearerServer(validator);
    assertThatThrownBy(() -> s.evaluate("garbage".getBytes(StandardCharsets.US_ASCII)))
        .isInstanceOf(SaslAuthenticationException.class).hasMessage(OAuthBearerServer.MALFORMED);
  }
}
