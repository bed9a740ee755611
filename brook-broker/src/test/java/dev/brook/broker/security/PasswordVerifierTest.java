package dev.brook.broker.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PasswordVerifierTest {
  @TempDir Path dir;

  static ScramCredential credential(ScramMechanism m, String password, int iterations) {
    byte[] salt = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    return m.credential(salt, m.saltedPassword(password.getBytes(StandardCharsets.UTF_8), salt, iterations), iterations);
  }

  private PasswordVerifier verifier() throws Exception {
    LocalScramCredentialStore scram = LocalScramCredentialStore.open(dir);
    scram.alter("carol", ScramMechanism.SCRAM_SHA_256, credential(ScramMechanism.SCRAM_SHA_256, "carol-secret", 4096));
    scram.alter("dave", ScramMechanism.SCRAM_SHA_512, credential(ScramMechanism.SCRAM_SHA_512, "dave-secret", 8192));
    return new PasswordVerifier(List.of(Map.of("alice", "alice-secret"), Map.of("bob", "bob-secret")), scram);
  }

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void plainUsersOfEveryListenerAndScramUsersOfEitherMechanismAreTheirUserPrincipal() throws Exception {
    PasswordVerifier v = verifier();
    assertThat(v.verify("alice", b("alice-secret"))).contains(new KafkaPrincipal("User", "alice"));
    assertThat(v.verify("bob", b("bob-secret"))).contains(new KafkaPrincipal("User", "bob"));
    assertThat(v.verify("carol", b("carol-secret"))).contains(new KafkaPrincipal("User", "carol"));
    assertThat(v.verify("dave", b("dave-secret"))).contains(new KafkaPrincipal("User", "dave"));
  }

  @Test
  void wrongPasswordsUnknownUsersAndAnotherUsersPasswordAreRefused() throws Exception {
    PasswordVerifier v = verifier();
    assertThat(v.verify("alice", b("alice-secreT"))).isEmpty();
    assertThat(v.verify("alice", b("bob-secret"))).isEmpty();
    assertThat(v.verify("carol", b("carol"))).isEmpty();
    assertThat(v.verify("dave", b(""))).isEmpty();
    assertThat(v.verify("nobody", b("alice-secret"))).isEmpty();
    assertThat(v.verify("", b(""))).isEmpty();
  }

  @Test
  void theFingerprintChangesWithTheScramCredential() throws Exception {
    LocalScramCredentialStore scram = LocalScramCredentialStore.open(dir);
    PasswordVerifier v = new PasswordVerifier(List.of(), scram);
    byte[] none = v.fingerprint("carol");
    scram.alter("carol", ScramMechanism.SCRAM_SHA_256, credential(ScramMechanism.SCRAM_SHA_256, "one", 4096));
    byte[] one = v.fingerprint("carol");
    scram.alter("carol", ScramMechanism.SCRAM_SHA_256, credential(ScramMechanism.SCRAM_SHA_256, "two", 4096));
    assertThat(one).isNotEqualTo(none).isNotEqualTo(v.fingerprint("carol"));
    assertThat(v.verify("carol", b("one"))).isEmpty();
    assertThat(v.verify("carol", b("two"))).isPresent();
  }
}
