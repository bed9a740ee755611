package dev.brook.broker.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.brook.broker.security.LocalScramCredentialStore;
import dev.brook.broker.security.PasswordVerifier;
import dev.brook.broker.security.ScramMechanism;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HttpAuthenticatorTest {
  @TempDir Path dir;
  final AtomicLong now = new AtomicLong(1_000_000_000L);

  private static dev.brook.broker.security.ScramCredential credential(ScramMechanism m, String password, int iterations) {
    byte[] salt = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    return m.credential(salt, m.saltedPassword(password.getBytes(StandardCharsets.UTF_8), salt, iterations), iterations);
  }

  private static String basic(String userPassword) {
    return "Basic " + Base64.getEncoder().encodeToString(userPassword.getBytes(StandardCharsets.UTF_8));
  }

  private HttpAuthenticator authenticator(LocalScramCredentialStore scram) {
    return new HttpAuthenticator(new PasswordVerifier(List.of(Map.of("alice", "alice-secret", "jörg", "pässword")), scram), now::get);
  }

  @Test
  void noHeaderIsAnonymousAValidOneIsTheUserAnythingElseFails() throws Exception {
    HttpAuthenticator a = authenticator(LocalScramCredentialStore.open(dir));
    assertThat(a.authenticate(null)).isInstanceOf(HttpAuthenticator.Outcome.Anonymous.class);
    assertThat(a.authenticate(basic("alice:alice-secret")))
        .isEqualTo(new HttpAuthenticator.Outcome.Authenticated(new KafkaPrincipal("User", "alice")));
    assertThat(a.authenticate("bAsIc " + basic("alice:alice-secret").substring(6)))
        .isInstanceOf(HttpAuthenticator.Outcome.Authenticated.class);
    assertThat(a.authenticate(basic("jörg:pässword"))).isInstanceOf(HttpAuthenticator.Outcome.Authenticated.class);
    assertThat(a.authenticate(basic("alice:alice-secret:"))).isInstanceOf(HttpAuthenticator.Outcome.Failed.class);
    assertThat(a.authenticate(basic("alice:wrong"))).isInstanceOf(HttpAuthenticator.Outcome.Failed.class);
    assertThat(a.authenticate(basic(":alice-secret"))).isInstanceOf(HttpAuthenticator.Outcome.Failed.class);
    assertThat(a.authenticate(basic("alice"))).isInstanceOf(HttpAuthenticator.Outcome.Failed.class);
    assertThat(a.authenticate("Basic %%%")).isInstanceOf(HttpAuthenticator.Outcome.Failed.class);
    assertThat(a.authenticate("Bearer x.y.z")).isInstanceOf(HttpAuthenticator.Outcome.Failed.class);
    assertThat(a.authenticate("Basic " + Base64.getEncoder().encodeToString(new byte[] {(byte) 0xff, ':', 'x'})))
        .isInstanceOf(HttpAuthenticator.Outcome.Failed.class);
  }

  @Test
  void aRememberedSuccessEndsWithAChangedOrDeletedCredential() throws Exception {
    LocalScramCredentialStore scram = LocalScramCredentialStore.open(dir);
    scram.alter("carol", ScramMechanism.SCRAM_SHA_256,
        credential(ScramMechanism.SCRAM_SHA_256, "one", 4096));
    HttpAuthenticator a = authenticator(scram);
    assertThat(a.authenticate(basic("carol:one"))).isInstanceOf(HttpAuthenticator.Outcome.Authenticated.class);
    assertThat(a.authenticate(basic("carol:one"))).isInstanceOf(HttpAuthenticator.Outcome.Authenticated.class);
    assertThat(a.authenticate(basic("carol:two"))).isInstanceOf(HttpAuthenticator.Outcome.Failed.class);
    scram.alter("carol", ScramMechanism.SCRAM_SHA_256,
        credential(ScramMechanism.SCRAM_SHA_256, "two", 4096));
    assertThat(a.authenticate(basic("carol:one"))).isInstanceOf(HttpAuthenticator.Outcome.Failed.class);
    assertThat(a.authenticate(basic("carol:two"))).isInstanceOf(HttpAuthenticator.Outcome.Authenticated.class);
    scram.alter("carol", ScramMechanism.SCRAM_SHA_256, null);
    assertThat(a.authenticate(basic("carol:two"))).isInstanceOf(HttpAuthenticator.Outcome.Failed.class);
  }
}
