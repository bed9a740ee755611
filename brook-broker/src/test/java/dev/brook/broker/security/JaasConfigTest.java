package dev.brook.broker.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.brook.broker.config.ConfigException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JaasConfigTest {
  @Test
  void readsModuleAndQuotedOptions() {
    JaasConfig c = JaasConfig.parse("k", "org.apache.kafka.common.security.plain.PlainLoginModule required\n"
        + "  username=\"admin\" password=\"a b;\\\"c\" user_alice=\"alice-secret\" debug=true;");
    assertThat(c.loginModule()).isEqualTo("org.apache.kafka.common.security.plain.PlainLoginModule");
    assertThat(c.options()).isEqualTo(Map.of("username", "admin", "password", "a b;\"c", "user_alice", "alice-secret", "debug", "true"));
    assertThat(c.toString()).doesNotContain("alice-secret");
  }

  @Test
  void malformedConfigsNameTheKey() {
    assertThatThrownBy(() -> JaasConfig.parse("sasl.jaas.config", "Module required user=\"x\""))
        .isInstanceOf(ConfigException.class).hasMessageContaining("sasl.jaas.config");
    assertThatThrownBy(() -> JaasConfig.parse("sasl.jaas.config", "Module sometimes;"))
        .isInstanceOf(ConfigException.class);
  }
}
