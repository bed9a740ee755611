package dev.brook.broker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.SecureRandom;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PasswordEncoderTest {
  private static final String JAAS = "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"alice\" password=\"alice-secret\";";

  private static PasswordEncoder encoder(String secret, String old) {
    return new PasswordEncoder(secret, old, new SecureRandom(new byte[] {1, 2, 3}));
  }

  @Test
  void encodedValueHidesTheClearTextAndDecodesBack() {
    PasswordEncoder e = encoder("s3cret", null);
    String stored = e.encode(JAAS);
    assertThat(PasswordEncoder.isEncoded(stored)).isTrue();
    assertThat(stored).doesNotContain("alice").doesNotContain("secret").doesNotContain("Scram");
    assertThat(e.decode(stored)).isEqualTo(JAAS);
    assertThat(e.decode("")).isEqualTo("");
    assertThat(e.decode(e.encode(""))).isEqualTo("");
    assertThat(e.decode(e.encode("pässwörd ✓"))).isEqualTo("pässwörd ✓");
  }

  @Test
  void sameClearTextEncodesDifferentlyEachTime() {
    PasswordEncoder e = encoder("s3cret", null);
    String a = e.encode("pw");
    String b = e.encode("pw");
    assertThat(a).isNotEqualTo(b);
    assertThat(e.decode(a)).isEqualTo(e.decode(b)).isEqualTo("pw");
  }

  @Test
  void clearValueFromAnOlderStoreDecodesToItself() {
    assertThat(encoder("s3cret", null).decode("plain-old-password")).isEqualTo("plain-old-password");
  }

  @Test
  void wrongSecretFailsNamingTheKeyRatherThanDecodingGarbage() {
    String stored = encoder("s3cret", null).encode("pw");
    assertThatThrownBy(() -> encoder("other", null).decode(stored))
        .isInstanceOf(ConfigException.class)
        .satisfies(t -> assertThat(((ConfigException) t).key()).isEqualTo("password.encoder.secret"))
        .hasMessageContaining("password.encoder.old.secret");
  }

  @Test
  void oldSecretStillOpensValuesWhileRotating() {
    String stored = encoder("first", null).encode("pw");
    PasswordEncoder rotating = encoder("second", "first");
    assertThat(rotating.decode(stored)).isEqualTo("pw");
    String rewritten = rotating.encode("pw");
    assertThat(encoder("second", null).decode(rewritten)).isEqualTo("pw");
    assertThatThrownBy(() -> encoder("first", null).decode(rewritten)).isInstanceOf(ConfigException.class);
  }

  @Test
  void damagedValueFailsNamingTheKey() {
    PasswordEncoder e = encoder("s3cret", null);
    String stored = e.encode("pw");
    String flipped = stored.substring(0, stored.length() - 2) + (stored.charAt(stored.length() - 2) == 'A' ? 'B' : 'A')
        + stored.charAt(stored.length() - 1);
    assertThatThrownBy(() -> e.decode(flipped)).isInstanceOf(ConfigException.class).hasMessageContaining("password.encoder.secret");
    assertThatThrownBy(() -> e.decode(PasswordEncoder.PREFIX + "nope")).hasMessageContaining("damaged");
    assertThatThrownBy(() -> e.decode(PasswordEncoder.PREFIX + "!!:??:##")).hasMessageContaining("damaged");
  }

  @Test
  void emptySecretIsRefusedNamingTheKey() {
    assertThatThrownBy(() -> encoder("", null)).isInstanceOf(ConfigException.class).hasMessageContaining("password.encoder.secret");
  }

  @Test
  void brokerWithoutTheSecretHasNoEncoder() {
    assertThat(PasswordEncoder.fromConfig(BrokerConfig.of(Map.of("log.dirs", "/tmp/x")))).isEmpty();
    assertThat(PasswordEncoder.fromConfig(BrokerConfig.of(Map.of("log.dirs", "/tmp/x", "password.encoder.secret", "k")))).isPresent();
  }
}
