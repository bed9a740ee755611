package dev.brook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.brook.broker.security.TargetBroker;
import dev.brook.broker.security.TestCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka 4.1.1's {@code kafka-configs}, kcat and confluent-kafka-python against a SASL_SSL listener,
 * as an operator would use them: an admin authenticated with PLAIN ({@code --command-config})
 * creates, lists and deletes SCRAM users; kcat and confluent-kafka-python (both librdkafka) then
 * produce and consume as such a user over SASL_SSL with SCRAM, checking the broker's certificate
 * against the CA, and are refused with a wrong password. They load a librdkafka of 2.6.1 or later
 * ({@link Librdkafka}); an older one (Debian 12's 2.0.2) is refused even with the right password,
 * as Kafka 4.x refuses it (it repeats the client nonce in its final SCRAM message), and the test
 * checks that too when the machine's librdkafka is such. With {@code -Dbrook.it.target=kafka} the
 * same test runs against Apache Kafka 4.1.1 with the same settings ({@link TargetBroker}).
 */
class SecurityToolsIT {
  private static final String CONFIGS = "kafka.admin.ConfigCommand";
  @TempDir Path dir;
  static TestCertificates certs;

  @BeforeAll
  static void certificates() throws Exception {
    certs = TestCertificates.get();
  }

  private TargetBroker start() throws Exception {
    Map<String, String> s = new HashMap<>();
    s.put("log.dirs", dir.resolve("logs").toString());
    s.put("listeners", "SASL_SSL://127.0.0.1:0");
    s.put("ssl.keystore.location", certs.brokerKeyStore.toString());
    s.put("ssl.keystore.password", TestCertificates.PASSWORD);
    s.put("ssl.keystore.type", "PKCS12");
    // For this broker as a client of its inter-broker listener. Kafka refuses to start without a
    // trust store that trusts the listener's own certificate (its SslFactory checks, at startup,
    // that a client engine of the same settings completes a handshake with the server engine);
    // Brook starts, and would fail only when it connects to a broker.
    s.put("ssl.truststore.location", certs.trustStore.toString());
    s.put("ssl.truststore.password", TestCertificates.PASSWORD);
    s.put("ssl.truststore.type", "PKCS12");
    s.put("sasl.enabled.mechanisms", "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512");
    s.put("sasl.mechanism.inter.broker.protocol", "PLAIN");
    s.put("listener.name.sasl_ssl.plain.sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required "
        + "username=\"admin\" password=\"admin-secret\" user_admin=\"admin-secret\";");
    return TargetBroker.start(dir, s);
  }

  private Path adminConfig() throws Exception {
    Path p = dir.resolve("admin.properties");
    Files.writeString(p, String.join("\n",
        "security.protocol=SASL_SSL",
        "sasl.mechanism=PLAIN",
        "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username=\"admin\" password=\"admin-secret\";",
        "ssl.truststore.location=" + certs.trustStore,
        "ssl.truststore.password=" + TestCertificates.PASSWORD,
        "ssl.truststore.type=PKCS12", ""));
    return p;
  }

  @Test
  void confluentKafkaPythonProducesAndConsumesAsAScramUserOverSaslSsl() throws Exception {
    ClientGenerationsIT.requireTool(ClientGenerationsIT.pythonHas("confluent_kafka"), "confluent-kafka-python", "python3-confluent-kafka");
    try (TargetBroker broker = start()) {
      String bootstrap = broker.bootstrap();
      Properties admin = new Properties();
      admin.put("bootstrap.servers", bootstrap);
      admin.put("security.protocol", "SASL_SSL");
      admin.put("sasl.mechanism", "PLAIN");
      admin.put("sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"admin\" password=\"admin-secret\";");
      admin.put("ssl.truststore.location", certs.trustStore.toString());
      admin.put("ssl.truststore.password", TestCertificates.PASSWORD);
      admin.put("ssl.truststore.type", "PKCS12");
      try (Admin a = Admin.create(admin)) {
        a.alterUserScramCredentials(List.of(
            new UserScramCredentialUpsertion("bob", new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), "bob-secret")))
            .all().get(30, TimeUnit.SECONDS);
      }
      Path ca = dir.resolve("ca.pem");
      Files.writeString(ca, certs.caPem());
      Path script = Path.of("target", "test-classes", "clients", "confluent_sasl_scenario.py").toAbsolutePath();
      Map<String, String> scram = Librdkafka.forScram();
      // Kafka applies a new credential to its brokers asynchronously (the metadata log): the call
      // returns before a login can use it, so the first attempts may be refused there.
      ExternalTool.Result ok;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      do {
        ok = ExternalTool.run(List.of(ClientGenerationsIT.PYTHON, script.toString(), bootstrap, "py-scram",
            "SCRAM-SHA-512", "bob", "bob-secret", ca.toString()), scram, null, 120);
      } while (ok.exitCode() == 3 && System.nanoTime() < deadline);
      assertThat(ok.exitCode()).as(ok.toString()).isZero();
      assertThat(ok.lines()).as(ok.toString()).containsSubsequence("one", "two", "three");
      assertThat(ok.lines()).as(ok.toString()).last().asString().startsWith("OK confluent-kafka");
      String loaded = ok.lines().get(ok.lines().size() - 1).replaceAll(".* librdkafka ", "");
      assertThat(Librdkafka.logsInWithScram(loaded)).as("librdkafka %s", loaded).isTrue();

      ExternalTool.Result refused = ExternalTool.run(List.of(ClientGenerationsIT.PYTHON, script.toString(), bootstrap, "py-scram",
          "SCRAM-SHA-512", "bob", "wrong", ca.toString()), scram, null, 120);
      assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(3);
      assertThat(refused.stdout()).as(refused.toString()).contains("REFUSED").contains("Authentication failed");

      if (!scram.isEmpty()) { // the machine's librdkafka repeats the nonce: refused with the right password
        ExternalTool.Result old = ExternalTool.run(List.of(ClientGenerationsIT.PYTHON, script.toString(), bootstrap,
            "py-scram", "SCRAM-SHA-512", "bob", "bob-secret", ca.toString()), Map.of(), null, 120);
        assertThat(old.exitCode()).as(old.toString()).isEqualTo(3);
        assertThat(old.stdout()).as(old.toString()).contains("REFUSED").contains("Authentication failed");
      }
    }
  }

  @Test
  void kafkaConfigsManagesScramUsersThatKcatAuthenticatesAs() throws Exception {
    ExternalTool.requireAnchor();
    ClientGenerationsIT.requireTool(ExternalTool.kcat() != null, "kcat", "kcat");
    try (TargetBroker broker = start()) {
      String bootstrap = broker.bootstrap();
      String admin = adminConfig().toString();
      // One mechanism per call: Kafka 4.1.1 refuses a user altered twice in one request
      // (DUPLICATE_RESOURCE, "A user credential cannot be altered twice in the same request").
      for (String mechanism : List.of("SCRAM-SHA-256=[iterations=8192,password=alice-secret]",
          "SCRAM-SHA-512=[password=alice-secret]")) {
        ExternalTool.Result add = ExternalTool.anchorTool(null, 300, CONFIGS, "--bootstrap-server", bootstrap,
            "--command-config", admin, "--alter", "--entity-type", "users", "--entity-name", "alice",
            "--add-config", mechanism);
        assertThat(add.exitCode()).as(add.toString()).isZero();
        assertThat(add.stdout()).contains("Completed updating config for user alice.");
      }
      ExternalTool.Result both = ExternalTool.anchorTool(null, 300, CONFIGS, "--bootstrap-server", bootstrap,
          "--command-config", admin, "--alter", "--entity-type", "users", "--entity-name", "alice",
          "--add-config", "SCRAM-SHA-256=[iterations=8192,password=alice-secret],SCRAM-SHA-512=[password=alice-secret]");
      assertThat(both.exitCode()).as(both.toString()).isNotZero();
      assertThat(both.toString()).contains("A user credential cannot be altered twice in the same request");
      ExternalTool.Result describe = ExternalTool.anchorTool(null, 300, CONFIGS, "--bootstrap-server", bootstrap,
          "--command-config", admin, "--describe", "--entity-type", "users", "--entity-name", "alice");
      assertThat(describe.exitCode()).as(describe.toString()).isZero();
      // In no particular order: Kafka 4.1.1 lists a user's mechanisms in the order of a HashMap
      // keyed by mechanism (ScramImage.describe), which differs from run to run.
      assertThat(describe.lines()).filteredOn(l -> l.startsWith("SCRAM credential configs for user-principal 'alice' are "))
          .singleElement().asString()
          .contains("SCRAM-SHA-256=iterations=8192").contains("SCRAM-SHA-512=iterations=4096");

      Path ca = dir.resolve("ca.pem");
      Files.writeString(ca, certs.caPem());
      List<String> alice = List.of("-b", bootstrap, "-X", "security.protocol=SASL_SSL", "-X", "sasl.mechanisms=SCRAM-SHA-256",
          "-X", "sasl.username=alice", "-X", "sasl.password=alice-secret", "-X", "ssl.ca.location=" + ca);
      Map<String, String> scram = Librdkafka.forScram();
      List<String> produce = new java.util.ArrayList<>(alice);
      produce.addAll(List.of("-P", "-t", "scram-kcat"));
      ExternalTool.Result p = ExternalTool.kcat(scram, "one\ntwo\nthree\n", 60, produce.toArray(new String[0]));
      assertThat(p.exitCode()).as(p.toString()).isZero();
      List<String> consume = new java.util.ArrayList<>(alice);
      consume.addAll(List.of("-C", "-t", "scram-kcat", "-o", "beginning", "-e", "-q"));
      ExternalTool.Result c = ExternalTool.kcat(scram, null, 60, consume.toArray(new String[0]));
      assertThat(c.exitCode()).as(c.toString()).isZero();
      assertThat(c.lines()).containsExactly("one", "two", "three");

      List<String> wrong = new java.util.ArrayList<>(alice);
      wrong.set(wrong.indexOf("sasl.password=alice-secret"), "sasl.password=wrong");
      wrong.addAll(List.of("-L", "-m", "10"));
      ExternalTool.Result refused = ExternalTool.kcat(scram, null, 60, wrong.toArray(new String[0]));
      assertThat(refused.exitCode()).as(refused.toString()).isNotZero();
      assertThat(refused.stderr()).contains("Authentication failed");

      if (!scram.isEmpty()) { // the machine's librdkafka repeats the nonce: refused with the right password
        List<String> metadata = new java.util.ArrayList<>(alice);
        metadata.addAll(List.of("-L", "-m", "10"));
        ExternalTool.Result old = ExternalTool.kcat(Map.of(), null, 60, metadata.toArray(new String[0]));
        assertThat(old.exitCode()).as(old.toString()).isNotZero();
        assertThat(old.stderr()).as(old.toString()).contains("Authentication failed");
      }

      ExternalTool.Result delete = ExternalTool.anchorTool(null, 300, CONFIGS, "--bootstrap-server", bootstrap,
          "--command-config", admin, "--alter", "--entity-type", "users", "--entity-name", "alice",
          "--delete-config", "SCRAM-SHA-512");
      assertThat(delete.exitCode()).as(delete.toString()).isZero();
      ExternalTool.Result after = ExternalTool.anchorTool(null, 300, CONFIGS, "--bootstrap-server", bootstrap,
          "--command-config", admin, "--describe", "--entity-type", "users", "--entity-name", "alice");
      assertThat(after.stdout()).contains("SCRAM credential configs for user-principal 'alice' are SCRAM-SHA-256=iterations=8192")
          .doesNotContain("SCRAM-SHA-512");
    }
  }
}
