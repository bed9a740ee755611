package dev.brook.broker.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.brook.broker.config.BrokerConfig;
import dev.brook.broker.config.ConfigException;
import dev.brook.broker.config.ListenerSettings;
import dev.brook.broker.config.LocalDynamicBrokerConfigStore;
import dev.brook.broker.security.TestCertificates;
import dev.brook.broker.security.TlsContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The rules of a runtime change to a listener's key store, without a network. */
class DynamicBrokerConfigsTest {
  private static final String DN = "CN=localhost,O=Brook";
  private static final String SAN = "SAN=dns:localhost,ip:127.0.0.1";
  @TempDir Path dir;
  static TestCertificates certs;

  @BeforeAll
  static void certificates() throws Exception {
    certs = TestCertificates.get();
  }

  private BrokerConfig config(Map<String, String> extra) {
    Map<String, String> s = new HashMap<>();
    s.put("log.dirs", dir.toString());
    s.put("listeners", "PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0");
    s.put("ssl.keystore.location", certs.brokerKeyStore.toString());
    s.put("ssl.keystore.password", TestCertificates.PASSWORD);
    s.put("ssl.keystore.type", "PKCS12");
    s.putAll(extra);
    return BrokerConfig.of(s);
  }

  private record Opened(DynamicBrokerConfigs configs, Supplier<TlsContext> tls) {}

  private Opened open(BrokerConfig config) throws Exception {
    DynamicBrokerConfigs d = DynamicBrokerConfigs.open(config, new LocalDynamicBrokerConfigStore(dir), "test");
    TlsContext initial = TlsContext.create(new ListenerSettings(d.effective(), "SSL"), true);
    return new Opened(d, d.register("SSL", initial));
  }

  private static DynamicBrokerConfigs.Outcome set(DynamicBrokerConfigs d, Map<String, String> values, boolean validateOnly) {
    return d.alter("0", List.copyOf(values.keySet()), current -> {
      current.putAll(values);
      return current;
    }, validateOnly);
  }

  private static Map<String, String> keystore(Path p12) {
    return Map.of("listener.name.ssl.ssl.keystore.location", p12.toString(),
        "listener.name.ssl.ssl.keystore.password", TestCertificates.PASSWORD,
        "listener.name.ssl.ssl.keystore.type", "PKCS12");
  }

  @Test
  void aKeystoreWithTheSameNamesReplacesTheContextAndIsStored() throws Exception {
    Opened o = open(config(Map.of()));
    TlsContext before = o.tls().get();
    Path rotated = certs.signedKeyStore("unit-rotated", DN, SAN);
    assertThat(set(o.configs(), keystore(rotated), true).isOk()).isTrue();
    assertThat(o.tls().get()).as("validate only").isSameAs(before);
    assertThat(o.configs().current()).isEmpty();

    assertThat(set(o.configs(), keystore(rotated), false)).isEqualTo(DynamicBrokerConfigs.Outcome.OK);
    assertThat(o.tls().get()).isNotSameAs(before);
    assertThat(o.tls().get().certificates().get(0).getSerialNumber())
        .isNotEqualTo(before.certificates().get(0).getSerialNumber());
    assertThat(Files.readString(dir.resolve(LocalDynamicBrokerConfigStore.FILE_NAME))).contains("unit-rotated.p12");

    Opened reopened = open(config(Map.of()));
    assertThat(reopened.configs().current()).containsAllEntriesOf(keystore(rotated));
    assertThat(reopened.tls().get().certificates().get(0).getSerialNumber())
        .isEqualTo(o.tls().get().certificates().get(0).getSerialNumber());
  }

  @Test
  void anotherDnOrSanIsRefusedUnlessAllowed() throws Exception {
    Opened o = open(config(Map.of()));
    TlsContext before = o.tls().get();
    DynamicBrokerConfigs.Outcome dn = set(o.configs(), keystore(certs.signedKeyStore("unit-dn", "CN=other,O=Brook", SAN)), false);
    assertThat(dn.error()).isEqualTo(Errors.INVALID_REQUEST);
    assertThat(dn.message()).contains("Keystore DistinguishedName does not match", "CN=other", "ssl.allow.dn.changes");
    DynamicBrokerConfigs.Outcome san = set(o.configs(), keystore(certs.signedKeyStore("unit-san", DN, "SAN=dns:elsewhere")), false);
    assertThat(san.message()).contains("SubjectAltNames do not match");
    assertThat(o.tls().get()).isSameAs(before);
    assertThat(o.configs().current()).isEmpty();
    assertThat(dir.resolve(LocalDynamicBrokerConfigStore.FILE_NAME)).doesNotExist();

    Opened allowed = open(config(Map.of("listener.name.ssl.ssl.allow.dn.changes", "true")));
    assertThat(set(allowed.configs(), keystore(certs.signedKeyStore("unit-dn2", "CN=other2,O=Brook", SAN)), false).isOk()).isTrue();
  }

  @Test
  void onlyPerListenerStoreKeysOfTlsListenersAreDynamic() throws Exception {
    DynamicBrokerConfigs d = open(config(Map.of())).configs();
    assertThat(set(d, Map.of("ssl.keystore.location", "/x.p12"), false).message())
        .contains("only per-listener using the listener prefix", "ssl.keystore.location");
    assertThat(set(d, Map.of("log.retention.ms", "1"), false).message())
        .startsWith("Cannot update these configs dynamically: [log.retention.ms]");
    assertThat(set(d, Map.of("listener.name.ssl.ssl.client.auth", "required"), false).message())
        .contains("Cannot update these configs dynamically", "listener.name.ssl.ssl.client.auth");
    assertThat(set(d, Map.of("listener.name.plaintext.ssl.keystore.location", "/x.p12"), false).message())
        .contains("PLAINTEXT", "without TLS");
    assertThat(set(d, Map.of("listener.name.nosuch.ssl.keystore.location", "/x.p12"), false).message())
        .contains("nosuch", "not one of this broker's listeners");
    assertThat(d.alter("", List.of("listener.name.ssl.ssl.keystore.location"), c -> c, false).message())
        .startsWith("Cannot update these configs at default cluster level");
    assertThat(set(d, Map.of("listener.name.ssl.ssl.keystore.type", "NOSUCH"), false).message())
        .contains("Invalid config value for resource ConfigResource(type=BROKER, name='0')");
    assertThat(d.current()).isEmpty();
  }

  @Test
  void aStoredKeyThatIsNotDynamicFailsTheStartNamingIt() throws Exception {
    new LocalDynamicBrokerConfigStore(dir).store(Map.of("num.io.threads", "4"));
    assertThatThrownBy(() -> open(config(Map.of()))).isInstanceOf(ConfigException.class)
        .hasMessageContaining("num.io.threads").hasMessageContaining("a dynamic config stored in test");
  }
}
