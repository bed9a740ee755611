package dev.brook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.brook.broker.Broker;
import dev.brook.broker.config.BrokerConfig;
import dev.brook.broker.security.TestCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
 * Every {@code brook} command that talks to a broker ({@code topics}, {@code groups}, {@code
 * produce}, {@code consume}) against a SASL_SSL-only listener, authenticated with SCRAM-SHA-512
 * through {@code --command-config FILE} holding the same client properties as Kafka's tools
 * ({@code security.protocol}, {@code sasl.*}, {@code ssl.truststore.*}); a file with a wrong password
 * fails in one line naming the authentication failure. As processes ({@code bin/brook}'s jar).
 */
class CliSecurityIT {
  @TempDir Path dir;
  static TestCertificates certs;

  @BeforeAll
  static void certificates() throws Exception {
    certs = TestCertificates.get();
  }

  private Broker start() throws Exception {
    Map<String, String> s = new HashMap<>();
    s.put("log.dirs", dir.resolve("logs").toString());
    s.put("listeners", "SASL_SSL://127.0.0.1:0");
    s.put("ssl.keystore.location", certs.brokerKeyStore.toString());
    s.put("ssl.keystore.password", TestCertificates.PASSWORD);
    s.put("ssl.keystore.type", "PKCS12");
    s.put("sasl.enabled.mechanisms", "PLAIN,SCRAM-SHA-512");
    s.put("sasl.mechanism.inter.broker.protocol", "PLAIN");
    s.put("listener.name.sasl_ssl.plain.sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required "
        + "username=\"admin\" password=\"admin-secret\" user_admin=\"admin-secret\";");
    return Broker.start(BrokerConfig.of(s));
  }

  private Path clientConfig(String name, String mechanism, String user, String password) throws Exception {
    String module = mechanism.equals("PLAIN") ? "org.apache.kafka.common.security.plain.PlainLoginModule"
        : "org.apache.kafka.common.security.scram.ScramLoginModule";
    Path p = dir.resolve(name);
    Files.writeString(p, String.join("\n",
        "security.protocol=SASL_SSL",
        "sasl.mechanism=" + mechanism,
        "sasl.jaas.config=" + module + " required username=\"" + user + "\" password=\"" + password + "\";",
        "ssl.truststore.location=" + certs.trustStore,
        "ssl.truststore.password=" + TestCertificates.PASSWORD,
        "ssl.truststore.type=PKCS12",
        "request.timeout.ms=15000",
        "default.api.timeout.ms=30000", ""));
    return p;
  }

  private static Properties load(Path file) throws Exception {
    Properties p = new Properties();
    try (var r = Files.newBufferedReader(file)) {
      p.load(r);
    }
    return p;
  }

  private static BrookProcess.Result brook(String stdin, String bootstrap, Path config, String... args) throws Exception {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--bootstrap-server", bootstrap, "--command-config", config.toString()));
    return BrookProcess.run(stdin, all.toArray(new String[0]));
  }

  @Test
  void everyClientCommandWorksOverSaslSslWithCommandConfig() throws Exception {
    try (Broker broker = start()) {
      String bootstrap = "localhost:" + broker.listeners().get(0).port();
      Properties admin = load(clientConfig("admin.properties", "PLAIN", "admin", "admin-secret"));
      admin.put("bootstrap.servers", bootstrap);
      try (Admin a = Admin.create(admin)) {
        a.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion("alice",
            new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), "alice-secret"))).all().get(30, TimeUnit.SECONDS);
      }
      Path alice = clientConfig("alice.properties", "SCRAM-SHA-512", "alice", "alice-secret");

      BrookProcess.Result create = brook(null, bootstrap, alice, "topics", "create", "--topic", "secure-cli", "--partitions", "2");
      assertThat(create.exitCode()).as(create.stderr()).isZero();
      assertThat(create.stdoutLines()).containsExactly("Created topic secure-cli.");
      assertThat(brook(null, bootstrap, alice, "topics", "list").stdoutLines()).contains("secure-cli");
      BrookProcess.Result alter = brook(null, bootstrap, alice, "topics", "alter", "--topic", "secure-cli", "--partitions", "3");
      assertThat(alter.exitCode()).as(alter.stderr()).isZero();
      BrookProcess.Result describe = brook(null, bootstrap, alice, "topics", "describe", "--topic", "secure-cli");
      assertThat(describe.exitCode()).as(describe.stderr()).isZero();
      assertThat(describe.stdoutLines().get(0)).contains("PartitionCount: 3");

      BrookProcess.Result produce = brook("one\ntwo\nthree\n", bootstrap, alice, "produce", "--topic", "secure-cli",
          "--partition", "0");
      assertThat(produce.exitCode()).as(produce.stderr()).isZero();
      BrookProcess.Result consume = brook(null, bootstrap, alice, "consume", "--topic", "secure-cli", "--group", "secure-group",
          "--from-beginning", "--max-messages", "3", "--timeout-ms", "60000");
      assertThat(consume.exitCode()).as(consume.stderr()).isZero();
      assertThat(consume.stdoutLines()).containsExactly("one", "two", "three");

      BrookProcess.Result groups = brook(null, bootstrap, alice, "groups", "list");
      assertThat(groups.exitCode()).as(groups.stderr()).isZero();
      assertThat(groups.stdoutLines()).contains("secure-group");
      BrookProcess.Result groupDescribe = brook(null, bootstrap, alice, "groups", "describe", "--group", "secure-group");
      assertThat(groupDescribe.exitCode()).as(groupDescribe.stderr()).isZero();
      assertThat(groupDescribe.stdout()).contains("secure-cli");
      BrookProcess.Result reset = brook(null, bootstrap, alice, "groups", "reset-offsets", "--group", "secure-group",
          "--topic", "secure-cli", "--to-earliest", "--execute");
      assertThat(reset.exitCode()).as(reset.stderr()).isZero();
      BrookProcess.Result groupDelete = brook(null, bootstrap, alice, "groups", "delete", "--group", "secure-group");
      assertThat(groupDelete.exitCode()).as(groupDelete.stderr()).isZero();
      BrookProcess.Result delete = brook(null, bootstrap, alice, "topics", "delete", "--topic", "secure-cli");
      assertThat(delete.exitCode()).as(delete.stderr()).isZero();

      Path wrong = clientConfig("wrong.properties", "SCRAM-SHA-512", "alice", "not-her-password");
      BrookProcess.Result refused = brook(null, bootstrap, wrong, "topics", "list");
      assertThat(refused.exitCode()).isEqualTo(1);
      assertThat(refused.stderrLines()).singleElement().asString().startsWith("brook: ").contains("Authentication failed");
    }
  }
}
