package dev.brook.broker.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.brook.broker.config.ConfigException;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SslPrincipalMapperTest {
  @Test
  void firstMatchingRuleWinsAndDefaultKeepsTheName() {
    SslPrincipalMapper m = SslPrincipalMapper.parse("k", "RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/L, RULE:^CN=(.*?),.*$/$1/,DEFAULT");
    assertThat(m.map("CN=Kafka-Svc,OU=ServiceUsers,O=Unknown")).contains("kafka-svc");
    assertThat(m.map("CN=alice,OU=eng,O=Brook")).contains("alice");
    assertThat(m.map("O=NoCommonName")).contains("O=NoCommonName");
  }

  @Test
  void upperCaseAndEscapedSlashes() {
    SslPrincipalMapper m = SslPrincipalMapper.parse("k", "RULE:^CN=([^,\\/]*)\\/x,.*$/$1/U");
    assertThat(m.map("CN=bob/x,O=Brook")).contains("BOB");
    assertThat(m.map("CN=bob,O=Brook")).isEqualTo(Optional.empty());
  }

  @Test
  void badRulesNameTheKey() {
    assertThatThrownBy(() -> SslPrincipalMapper.parse("ssl.principal.mapping.rules", "RULE:^CN=(.*$/$1/"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("ssl.principal.mapping.rules");
    assertThatThrownBy(() -> SslPrincipalMapper.parse("ssl.principal.mapping.rules", "SOMETHING"))
        .isInstanceOf(ConfigException.class);
  }
}
