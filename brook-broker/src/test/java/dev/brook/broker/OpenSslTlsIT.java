package dev.brook.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.brook.broker.config.BrokerConfig;
import dev.brook.broker.security.SecureClients;
import dev.brook.broker.security.TestCertificates;
import dev.brook.broker.security.TlsContext;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A listener on OpenSSL ({@code ssl.engine.provider=openssl}, BoringSSL through netty-tcnative, on
 * this module's test class path): mTLS with the principal taken from the client certificate (the
 * only super user is {@code User:alice}, so anything else would be denied), a client without a
 * certificate refused, and a key store rotated at runtime served to new connections.
 */
class OpenSslTlsIT {
  @TempDir Path dir;

  @Test
  void openSslServesMutualTlsWithTheCertificatePrincipalAndReloads() throws Exception {
    TestCertificates certs = TestCertificates.get();
    Map<String, String> s = new HashMap<>();
    s.put("log.dirs", dir.toString());
    s.put("listeners", "SSL://127.0.0.1:0");
    s.put("ssl.engine.provider", "openssl");
    s.put("ssl.keystore.location", certs.brokerKeyStore.toString());
    s.put("ssl.keystore.password", TestCertificates.PASSWORD);
    s.put("ssl.keystore.type", "PKCS12");
    s.put("ssl.truststore.location", certs.trustStore.toString());
    s.put("ssl.truststore.password", TestCertificates.PASSWORD);
    s.put("ssl.truststore.type", "PKCS12");
    s.put("ssl.client.auth", "required");
    s.put("ssl.principal.mapping.rules", "RULE:^CN=(.*?),.*$/$1/,DEFAULT");
    s.put("authorizer.class.name", "kafka.security.authorizer.AclAuthorizer");
    s.put("super.users", "User:alice");
    try (Broker broker = Broker.start(BrokerConfig.of(s))) {
      String bootstrap = "localhost:" + broker.listeners().get(0).port();
      Properties alice = SecureClients.mtls(bootstrap, certs, certs.clientKeyStore);
      TlsListenersIT.roundTrip(alice, "openssl", 50, 1000);

      try (Admin anonymous = Admin.create(SecureClients.quick(SecureClients.ssl(bootstrap, certs)))) {
        assertThatThrownBy(() -> anonymous.describeCluster().nodes().get(20, TimeUnit.SECONDS))
            .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(SslAuthenticationException.class);
      }

      Path rotated = certs.signedKeyStore("openssl-rotated", "CN=localhost,O=Brook", "SAN=dns:localhost,ip:127.0.0.1");
      try (Admin admin = Admin.create(SecureClients.quick(alice))) {
        ConfigResource me = new ConfigResource(ConfigResource.Type.BROKER, Integer.toString(broker.config().nodeId()));
        admin.incrementalAlterConfigs(Map.of(me, List.of(
            new AlterConfigOp(new ConfigEntry("listener.name.ssl.ssl.keystore.location", rotated.toString()), AlterConfigOp.OpType.SET),
            new AlterConfigOp(new ConfigEntry("listener.name.ssl.ssl.keystore.password", TestCertificates.PASSWORD), AlterConfigOp.OpType.SET),
            new AlterConfigOp(new ConfigEntry("listener.name.ssl.ssl.keystore.type", "PKCS12"), AlterConfigOp.OpType.SET))))
            .all().get(20, TimeUnit.SECONDS);
      }
      TlsListenersIT.roundTrip(alice, "openssl-after-rotation", 10, 100);
      assertThat(DynamicTlsIT.serverCertificate(broker.listeners().get(0).port(), certs.clientKeyStore).getSerialNumber())
          .isEqualTo(DynamicTlsIT.leaf(rotated).getSerialNumber());
    }
  }

  @Test
  void theEngineIsTheOneAskedFor() throws Exception {
    TestCertificates certs = TestCertificates.get();
    for (String engine : List.of("jdk", "openssl", "auto")) {
      Map<String, String> s = new HashMap<>();
      s.put("log.dirs", dir.toString());
      s.put("listeners", "SSL://127.0.0.1:0");
      s.put("ssl.engine.provider", engine);
      s.put("ssl.keystore.location", certs.brokerKeyStore.toString());
      s.put("ssl.keystore.password", TestCertificates.PASSWORD);
      s.put("ssl.keystore.type", "PKCS12");
      TlsContext tls = TlsContext.create(new dev.brook.broker.config.ListenerSettings(BrokerConfig.of(s), "SSL"), true);
      assertThat(tls.engine()).isEqualTo(engine.equals("jdk") ? TlsContext.Engine.JDK : TlsContext.Engine.OPENSSL);
    }
  }
}
