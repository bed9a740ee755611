package dev.brook.broker;

import dev.brook.broker.cluster.BrokerEndpoint;
import dev.brook.broker.config.BrokerConfig;
import dev.brook.broker.config.ListenerSettings;
import dev.brook.broker.replica.BrokerConnector;
import dev.brook.broker.replica.ReplicaClient;
import dev.brook.broker.security.InterBrokerSecurity;
import dev.brook.broker.security.ScramMechanism;
import dev.brook.broker.security.SecureClients;
import dev.brook.broker.security.TestCertificates;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Prints what a new connection costs on each listener kind: connect only (PLAINTEXT), TLS
 * handshake (SSL), SCRAM-SHA-256 (SASL_PLAINTEXT) and both (SASL_SSL), per connection, with the
 * client's own PBKDF2 (4096 iterations) shown apart. Client and broker share this JVM, so the
 * figures are the sum of both sides. Not part of any suite (no *Test/*IT name): run with
 * {@code -Dtest=AuthHandshakeBench}. Asserts nothing about time.
 */
class AuthHandshakeBench {
  @TempDir Path dir;

  @Test
  void printConnectionSetupTimes() throws Exception {
    TestCertificates certs = TestCertificates.get();
    Map<String, String> s = new HashMap<>();
    s.put("log.dirs", dir.toString());
    s.put("listeners", "PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0");
    s.put("ssl.keystore.location", certs.brokerKeyStore.toString());
    s.put("ssl.keystore.password", TestCertificates.PASSWORD);
    s.put("ssl.keystore.type", "PKCS12");
    s.put("ssl.truststore.location", certs.trustStore.toString());
    s.put("ssl.truststore.password", TestCertificates.PASSWORD);
    s.put("ssl.truststore.type", "PKCS12");
    s.put("sasl.enabled.mechanisms", "PLAIN,SCRAM-SHA-256");
    s.put("sasl.mechanism.inter.broker.protocol", "SCRAM-SHA-256");
    String plain = "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"admin\" password=\"admin-secret\" user_admin=\"admin-secret\";";
    s.put("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"bench\" password=\"bench-secret\";");
    s.put("listener.name.sasl_plaintext.plain.sasl.jaas.config", plain);
    s.put("listener.name.sasl_ssl.plain.sasl.jaas.config", plain);
    BrokerConfig config = BrokerConfig.of(s);
    try (Broker broker = Broker.start(config)) {
      try (Admin admin = Admin.create(SecureClients.sasl("localhost:" + broker.listeners().get(2).port(), "SASL_PLAINTEXT",
          "PLAIN", "admin", "admin-secret", certs))) {
        admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion("bench",
            new ScramCredentialInfo(org.apache.kafka.clients.admin.ScramMechanism.SCRAM_SHA_256, 4096), "bench-secret")))
            .all().get(30, TimeUnit.SECONDS);
      }
      int n = Integer.getInteger("connections", 300);
      long[] pbkdf2 = new long[n];
      for (int i = 0; i < n; i++) {
        long t0 = System.nanoTime();
        ScramMechanism.SCRAM_SHA_256.saltedPassword("bench-secret".getBytes(StandardCharsets.UTF_8), new byte[16], 4096);
        pbkdf2[i] = System.nanoTime() - t0;
      }
      print("client PBKDF2 (SCRAM-SHA-256, 4096 it.)", pbkdf2);
      String[] names = {"PLAINTEXT connect", "SSL: TLS handshake", "SASL_PLAINTEXT: SCRAM-SHA-256", "SASL_SSL: TLS + SCRAM-SHA-256"};
      SecurityProtocol[] protocols = {SecurityProtocol.PLAINTEXT, SecurityProtocol.SSL, SecurityProtocol.SASL_PLAINTEXT, SecurityProtocol.SASL_SSL};
      for (int round = 0; round < 2; round++) { // the first round warms up
        for (int k = 0; k < 4; k++) {
          var l = broker.listeners().get(k);
          BrokerConnector c = InterBrokerSecurity.create(new ListenerSettings(config, l.name()), protocols[k], null, "SCRAM-SHA-256");
          BrokerEndpoint ep = new BrokerEndpoint(1, "localhost", l.port(), null, Map.of());
          long[] t = new long[n];
          for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            try (ReplicaClient client = new ReplicaClient(ep, "bench", 10_000, 10_000, c)) {
              t[i] = System.nanoTime() - t0;
            }
          }
          if (round == 1) print(names[k], t);
        }
      }
    }
  }

  private static void print(String what, long[] nanos) {
    long[] s = nanos.clone();
    Arrays.sort(s);
    double mean = Arrays.stream(s).average().orElse(0) / 1e6;
    System.out.printf("BENCH %-40s n=%d mean=%.2f ms p50=%.2f ms p99=%.2f ms%n", what, s.length, mean,
        s[s.length / 2] / 1e6, s[(int) (s.length * 0.99)] / 1e6);
  }
}
