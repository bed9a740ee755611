package dev.brook.broker.mirror;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.brook.broker.config.ConfigException;
import dev.brook.broker.config.PasswordEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LinkSecretsTest {
  private static final String JAAS = "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"u\" password=\"hunter2\";";
  @TempDir Path dir;

  private static LinkSecrets secrets(String secret) {
    return new LinkSecrets(Optional.of(new PasswordEncoder(secret, null, new SecureRandom())));
  }

  private static MirrorLink saslLink() {
    return MirrorLink.validate("east", Map.of("bootstrap.servers", "a:9092", "security.protocol", "SASL_PLAINTEXT",
        "sasl.mechanism", "PLAIN", "sasl.jaas.config", JAAS));
  }

  @Test
  void linkPasswordIsEncryptedOnDiskAndDecryptedOnReopen() throws Exception {
    LocalMirrorLinkStore store = new LocalMirrorLinkStore(dir, secrets("k1"));
    store.put(saslLink());
    String onDisk = Files.readString(dir.resolve(LocalMirrorLinkStore.FILE), StandardCharsets.UTF_8);
    assertThat(onDisk).doesNotContain("hunter2").doesNotContain("PlainLoginModule").contains("a\\:9092").contains("encrypted\\:v1\\:");
    LocalMirrorLinkStore reopened = new LocalMirrorLinkStore(dir, secrets("k1"));
    assertThat(reopened.link("east").orElseThrow()).isEqualTo(saslLink());
  }

  @Test
  void linkWithAPasswordIsRefusedWithoutASecretNamingTheKey() throws Exception {
    LocalMirrorLinkStore store = new LocalMirrorLinkStore(dir, LinkSecrets.none());
    assertThatThrownBy(() -> store.put(saslLink()))
        .isInstanceOf(ConfigException.class)
        .satisfies(t -> assertThat(((ConfigException) t).key()).isEqualTo("password.encoder.secret"))
        .hasMessageContaining("sasl.jaas.config");
    assertThat(Files.exists(dir.resolve(LocalMirrorLinkStore.FILE))).isFalse();
    store.put(MirrorLink.validate("plain", Map.of("bootstrap.servers", "a:9092"))); // no password: no secret needed
    assertThat(new LocalMirrorLinkStore(dir, LinkSecrets.none()).links()).containsOnlyKeys("plain");
  }

  @Test
  void startWithAnotherSecretFailsNamingTheKey() throws Exception {
    new LocalMirrorLinkStore(dir, secrets("k1")).put(saslLink());
    assertThatThrownBy(() -> new LocalMirrorLinkStore(dir, secrets("k2")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("password.encoder.secret");
    assertThatThrownBy(() -> new LocalMirrorLinkStore(dir, LinkSecrets.none()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("password.encoder.secret");
  }

  @Test
  void clearPasswordFromAnOlderStoreIsReadAndEncryptedAtTheNextWrite() throws Exception {
    Files.writeString(dir.resolve(LocalMirrorLinkStore.FILE), "version=1\nlink.east/bootstrap.servers=a\\:9092\n"
        + "link.east/security.protocol=SASL_PLAINTEXT\nlink.east/sasl.mechanism=PLAIN\nlink.east/sasl.jaas.config="
        + JAAS.replace("=", "\\=").replace(":", "\\:") + "\n");
    LocalMirrorLinkStore store = new LocalMirrorLinkStore(dir, secrets("k1"));
    assertThat(store.link("east").orElseThrow()).isEqualTo(saslLink());
    store.put(MirrorLink.validate("west", Map.of("bootstrap.servers", "b:9092")));
    assertThat(Files.readString(dir.resolve(LocalMirrorLinkStore.FILE))).doesNotContain("hunter2");
    assertThat(new LocalMirrorLinkStore(dir, secrets("k1")).link("east").orElseThrow()).isEqualTo(saslLink());
  }
}
