package dev.brook.broker.mirror;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.brook.broker.cluster.TopicMetadata;
import dev.brook.broker.config.ConfigException;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MirrorLinkTest {
  @TempDir Path dir;

  @Test
  void aLinkNeedsBootstrapServersAndKnownKeys() {
    assertThat(MirrorLink.validate("east", Map.of("bootstrap.servers", "a:9092,b:9093")).bootstrapServers()).isEqualTo("a:9092,b:9093");
    assertThatThrownBy(() -> MirrorLink.validate("east", Map.of("client.id", "x")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("bootstrap.servers");
    assertThatThrownBy(() -> MirrorLink.validate("east", Map.of("bootstrap.servers", "a:9092", "linger.ms", "5")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("linger.ms");
    assertThatThrownBy(() -> MirrorLink.validate("east", Map.of("bootstrap.servers", "nohost")))
        .hasMessageContaining("host:port");
    assertThatThrownBy(() -> MirrorLink.validate("east", Map.of("bootstrap.servers", "a:1", "consumer.offset.sync.ms", "-5")))
        .hasMessageContaining("consumer.offset.sync.ms");
    assertThatThrownBy(() -> MirrorLink.validate("east", Map.of("bootstrap.servers", "a:1", "consumer.offset.sync.groups", "(")))
        .hasMessageContaining("consumer.offset.sync.groups");
    assertThatThrownBy(() -> MirrorLink.validate("east", Map.of("bootstrap.servers", "a:1", "security.protocol", "TLS")))
        .hasMessageContaining("security.protocol");
    String jaas = "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"u\" password=\"p\";";
    assertThat(MirrorLink.validate("east", Map.of("bootstrap.servers", "a:1", "security.protocol", "SASL_PLAINTEXT",
        "sasl.mechanism", "SCRAM-SHA-512", "sasl.jaas.config", jaas)).connector().toString()).contains("SCRAM-SHA-512 as u");
    assertThatThrownBy(() -> MirrorLink.validate("east", Map.of("bootstrap.servers", "a:1", "security.protocol", "SASL_PLAINTEXT",
        "sasl.mechanism", "GSSAPI", "sasl.jaas.config", jaas))).hasMessageContaining("sasl.mechanism");
    assertThatThrownBy(() -> MirrorLink.validate("east", Map.of("bootstrap.servers", "a:1", "security.protocol", "SASL_PLAINTEXT",
        "sasl.mechanism", "PLAIN"))).hasMessageContaining("sasl.jaas.config");
    assertThatThrownBy(() -> MirrorLink.validate("east", Map.of("bootstrap.servers", "a:1", "sasl.mechanism", "PLAIN")))
        .hasMessageContaining("SASL_PLAINTEXT");
    assertThat(MirrorLink.isSensitive("cluster.link.east.sasl.jaas.config")).isTrue();
    assertThat(MirrorLink.isSensitive("cluster.link.east.ssl.truststore.password")).isTrue();
    assertThat(MirrorLink.isSensitive("cluster.link.east.ssl.keystore.key")).isTrue();
    assertThat(MirrorLink.isSensitive("cluster.link.east.bootstrap.servers")).isFalse();
    assertThatThrownBy(() -> MirrorLink.validate("a.b", Map.of("bootstrap.servers", "a:1"))).hasMessageContaining("link name");
  }

  @Test
  void aLinkSpeaksTlsWithKafkasClientKeysAndRefusesTheirMisuse() {
    String jaas = "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"u\" password=\"p\";";
    assertThat(MirrorLink.validate("east", Map.of("bootstrap.servers", "a:1", "security.protocol", "SSL")).connector().toString())
        .contains("SSL");
    MirrorLink saslSsl = MirrorLink.validate("east", Map.of("bootstrap.servers", "a:1", "security.protocol", "SASL_SSL",
        "sasl.mechanism", "SCRAM-SHA-256", "sasl.jaas.config", jaas, "ssl.endpoint.identification.algorithm", ""));
    assertThat(saslSsl.connector().toString()).contains("SASL_SSL").contains("SCRAM-SHA-256 as u");
    assertThat(saslSsl.clientSecurity()).containsEntry("security.protocol", "SASL_SSL").containsEntry("sasl.mechanism", "SCRAM-SHA-256")
        .containsEntry("ssl.endpoint.identification.algorithm", "").doesNotContainKey("bootstrap.servers");
    assertThatThrownBy(() -> MirrorLink.validate("east", Map.of("bootstrap.servers", "a:1", "security.protocol", "SSL",
        "ssl.truststore.location", dir.resolve("missing.p12").toString(), "ssl.truststore.password", "x")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("ssl.truststore.location");
    assertThatThrownBy(() -> MirrorLink.validate("east", Map.of("bootstrap.servers", "a:1", "ssl.truststore.location", "/x")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("ssl.truststore.location").hasMessageContaining("PLAINTEXT");
    assertThatThrownBy(() -> MirrorLink.validate("east", Map.of("bootstrap.servers", "a:1", "security.protocol", "SSL",
        "sasl.mechanism", "PLAIN"))).hasMessageContaining("SASL_SSL");
    assertThatThrownBy(() -> MirrorLink.validate("east", Map.of("bootstrap.servers", "a:1", "security.protocol", "SASL_SSL",
        "sasl.mechanism", "PLAIN"))).hasMessageContaining("sasl.jaas.config");
  }

  @Test
  void anOAuthBearerLinkNeedsItsTokenEndpointAndClient() {
    String jaas = "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required clientId=\"m\" clientSecret=\"s\";";
    Map<String, String> ok = Map.of("bootstrap.servers", "a:1", "security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "OAUTHBEARER",
        "sasl.jaas.config", jaas, "sasl.oauthbearer.token.endpoint.url", "https://issuer.example/token");
    assertThat(MirrorLink.validate("east", ok).connector().toString()).contains("SASL_PLAINTEXT, OAUTHBEARER");
    java.util.Map<String, String> noUrl = new java.util.HashMap<>(ok);
    noUrl.remove("sasl.oauthbearer.token.endpoint.url");
    assertThatThrownBy(() -> MirrorLink.validate("east", noUrl))
        .isInstanceOf(ConfigException.class).hasMessageContaining("sasl.oauthbearer.token.endpoint.url");
    java.util.Map<String, String> noClient = new java.util.HashMap<>(ok);
    noClient.put("sasl.jaas.config", "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;");
    assertThatThrownBy(() -> MirrorLink.validate("east", noClient)).hasMessageContaining("sasl.jaas.config").hasMessageContaining("clientSecret");
    java.util.Map<String, String> badUrl = new java.util.HashMap<>(ok);
    badUrl.put("sasl.oauthbearer.token.endpoint.url", "file:/etc/passwd");
    assertThatThrownBy(() -> MirrorLink.validate("east", badUrl)).hasMessageContaining("sasl.oauthbearer.token.endpoint.url");
    java.util.Map<String, String> otherHandler = new java.util.HashMap<>(ok);
    otherHandler.put("sasl.login.callback.handler.class", "com.example.MyHandler");
    assertThatThrownBy(() -> MirrorLink.validate("east", otherHandler)).hasMessageContaining("sasl.login.callback.handler.class");
    String plain = "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"u\" password=\"p\";";
    assertThatThrownBy(() -> MirrorLink.validate("east", Map.of("bootstrap.servers", "a:1", "security.protocol", "SASL_PLAINTEXT",
        "sasl.mechanism", "PLAIN", "sasl.jaas.config", plain, "sasl.oauthbearer.token.endpoint.url", "https://x/token")))
        .hasMessageContaining("sasl.oauthbearer.token.endpoint.url").hasMessageContaining("PLAIN");
  }

  @Test
  void linksSurviveAReopenAndADelete() throws Exception {
    LocalMirrorLinkStore store = new LocalMirrorLinkStore(dir, LinkSecrets.none());
    store.put(MirrorLink.validate("east", Map.of("bootstrap.servers", "a:9092", "consumer.offset.sync.ms", "100")));
    store.put(MirrorLink.validate("west_2", Map.of("bootstrap.servers", "b:9092")));
    LocalMirrorLinkStore reopened = new LocalMirrorLinkStore(dir, LinkSecrets.none());
    assertThat(reopened.links()).isEqualTo(store.links()).containsOnlyKeys("east", "west_2");
    assertThat(reopened.link("east").orElseThrow().offsetSyncMs()).isEqualTo(100);
    assertThat(reopened.delete("east")).isTrue();
    assertThat(reopened.delete("east")).isFalse();
    assertThat(new LocalMirrorLinkStore(dir, LinkSecrets.none()).links()).containsOnlyKeys("west_2");
  }

  @Test
  void aTopicIsAMirrorWhileItsStateIsNotPromoted() {
    TopicMetadata plain = new TopicMetadata("t", Uuid.randomUuid(), 1, Map.of());
    assertThat(MirrorTopic.of(plain)).isEmpty();
    MirrorTopic m = MirrorTopic.of(plain.withConfigs(Map.of("mirror.link", "east"))).orElseThrow();
    assertThat(m.sourceTopic()).isEqualTo("t");
    assertThat(m.active()).isTrue();
    assertThat(MirrorTopic.of(plain.withConfigs(Map.of("mirror.link", "east", "mirror.state", "promoted"))).orElseThrow().active())
        .isFalse();
    assertThat(dev.brook.broker.replica.RecordPolicy.defaults().with(Map.of("mirror.link", "east")).mirrorLink()).isEqualTo("east");
    assertThat(dev.brook.broker.replica.RecordPolicy.defaults().with(Map.of("mirror.link", "east", "mirror.state", "promoted"))
        .mirrorLink()).isNull();
  }
}
