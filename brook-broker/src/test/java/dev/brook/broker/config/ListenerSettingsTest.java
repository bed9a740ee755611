package dev.brook.broker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ListenerSettingsTest {
  private static BrokerConfig config(Map<String, String> extra) {
    Map<String, String> s = new HashMap<>(Map.of("listeners", "EXTERNAL://127.0.0.1:0",
        "listener.security.protocol.map", "EXTERNAL:SASL_SSL"));
    s.putAll(extra);
    return BrokerConfig.of(s);
  }

  @Test
  void aMechanismsSettingWinsOverTheListenersWhichWinsOverThePlainKey() {
    ListenerSettings s = new ListenerSettings(config(Map.of(
        "sasl.oauthbearer.expected.issuer", "plain",
        "listener.name.external.sasl.oauthbearer.expected.issuer", "listener",
        "listener.name.external.oauthbearer.sasl.oauthbearer.expected.issuer", "mechanism",
        "listener.name.external.sasl.oauthbearer.clock.skew.seconds", "5",
        "sasl.oauthbearer.expected.audience", "a,b")), "EXTERNAL");
    assertThat(s.getForMechanism("OAUTHBEARER", "sasl.oauthbearer.expected.issuer")).isEqualTo("mechanism");
    assertThat(s.mechanismKeyName("OAUTHBEARER", "sasl.oauthbearer.expected.issuer"))
        .isEqualTo("listener.name.external.oauthbearer.sasl.oauthbearer.expected.issuer");
    assertThat(s.getForMechanism("OAUTHBEARER", "sasl.oauthbearer.clock.skew.seconds")).isEqualTo(5);
    assertThat(s.mechanismKeyName("OAUTHBEARER", "sasl.oauthbearer.clock.skew.seconds"))
        .isEqualTo("listener.name.external.sasl.oauthbearer.clock.skew.seconds");
    assertThat(s.getForMechanism("OAUTHBEARER", "sasl.oauthbearer.expected.audience")).isEqualTo(List.of("a", "b"));
    assertThat(s.getForMechanism("OAUTHBEARER", "sasl.oauthbearer.sub.claim.name")).isEqualTo("sub");
  }

  @Test
  void mechanismPrefixedKeysAreOAuthBearersCallbackSettingsOnly() {
    config(Map.of("listener.name.external.oauthbearer.sasl.server.callback.handler.class", "x"));
    for (String bad : List.of("listener.name.external.oauthbearer.ssl.keystore.location", "listener.name.external.plain.sasl.oauthbearer.expected.issuer",
        "listener.name.external.oauthbearer.sasl.oauthbearer.nope")) {
      assertThatThrownBy(() -> config(Map.of(bad, "x"))).isInstanceOf(ConfigException.class).hasMessageContaining(bad);
    }
    ListenerSettings s = new ListenerSettings(config(Map.of("listener.name.external.oauthbearer.sasl.oauthbearer.clock.skew.seconds", "soon")),
        "EXTERNAL");
    assertThatThrownBy(() -> s.getForMechanism("OAUTHBEARER", "sasl.oauthbearer.clock.skew.seconds"))
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("listener.name.external.oauthbearer.sasl.oauthbearer.clock.skew.seconds: ");
  }
}
