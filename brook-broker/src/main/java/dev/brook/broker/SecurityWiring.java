package dev.brook.broker;

import dev.brook.broker.admin.TopicAdmin;
import dev.brook.broker.api.ApiDispatcher;
import dev.brook.broker.api.SaslApis;
import dev.brook.broker.api.ScramCredentialApis;
import dev.brook.broker.cluster.zk.ZkCluster;
import dev.brook.broker.cluster.zk.ZkScramCredentialStore;
import dev.brook.broker.config.BrokerConfig;
import dev.brook.broker.config.Listener;
import dev.brook.broker.config.ListenerConfig;
import dev.brook.broker.config.ListenerSettings;
import dev.brook.broker.network.ListenerSecurity;
import dev.brook.broker.network.NetworkServer;
import dev.brook.broker.network.TlsSecurity;
import dev.brook.broker.replica.BrokerConnector;
import dev.brook.broker.replica.ReplicaManager;
import dev.brook.broker.security.InterBrokerSecurity;
import dev.brook.broker.security.LocalScramCredentialStore;
import dev.brook.broker.security.SaslMechanisms;
import dev.brook.broker.security.ScramCredentialStore;
import dev.brook.broker.security.TlsContext;
import java.io.IOException;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The security area: TLS and SASL per listener, the SCRAM credential store, the dynamic broker
 * configs of the listeners' stores ({@link #start}), and authorization ({@link #startAuthorization},
 * started last, once the topic admin exists). Registers SaslHandshake, SaslAuthenticate,
 * AlterUserScramCredentials, DescribeUserScramCredentials, CreateAcls, DescribeAcls and DeleteAcls
 * on the dispatcher, and the authorizer in front of every handler; adds its credential and ACL
 * threads and the ACL store to {@code toClose}.
 */
final class SecurityWiring {
  private static final Logger log = LoggerFactory.getLogger(Broker.class); // log lines keep the name they had

  private SecurityWiring() {}

  /**
   * What the security area gives the others: every listener with what its protocol adds to a
   * connection (TLS, SASL), and how this broker connects to the inter-broker listener of others.
   */
  record SecurityArea(List<NetworkServer.Endpoint> endpoints, BrokerConnector interBroker,
      dev.brook.broker.security.PasswordVerifier passwords, Map<String, Object> consoleClient,
      java.util.Optional<org.apache.kafka.common.security.auth.KafkaPrincipal> consolePrincipal,
      dev.brook.broker.admin.DynamicBrokerConfigs dynamicConfigs) {}

  /**
   * Security: TLS and SASL per listener (docs/ARCHITECTURE.md "Security"), the SCRAM credential
   * store (a file beside the metadata on a single node, ZooKeeper in a cluster) with
   * AlterUserScramCredentials/DescribeUserScramCredentials, SaslHandshake/SaslAuthenticate in the
   * API table. Every mistake fails here, naming the key. Owned by the security area.
   */
  static SecurityArea start(ApiDispatcher dispatcher, BrokerConfig config, ZkCluster cluster,
      Deque<AutoCloseable> toClose) throws IOException {
    ListenerConfig lc = config.listenerConfig();
    ScramCredentialStore scram = cluster != null ? new ZkScramCredentialStore(cluster)
        : LocalScramCredentialStore.open(config.logDir());
    // Credential reads (ZooKeeper) and writes (fsync): never on an event loop.
    ExecutorService background = Executors.newFixedThreadPool(2,
        Thread.ofPlatform().name("brook-security").daemon().factory());
    toClose.add(background::shutdownNow);
    SaslApis.register(dispatcher);
    ScramCredentialApis.register(dispatcher, scram, background);
    // Dynamic configs (kafka-configs --entity-type brokers): the listeners' key and trust stores as
    // last changed at runtime, over server.properties; kept where Kafka keeps them.
    dev.brook.broker.admin.DynamicBrokerConfigs dynamic = cluster != null
        ? dev.brook.broker.admin.DynamicBrokerConfigs.open(config,
            new dev.brook.broker.cluster.zk.ZkDynamicBrokerConfigStore(cluster, config.nodeId()),
            "ZooKeeper /config/brokers/" + config.nodeId())
        : dev.brook.broker.admin.DynamicBrokerConfigs.open(config,
            new dev.brook.broker.config.LocalDynamicBrokerConfigStore(config.logDir()),
            config.logDir().resolve(dev.brook.broker.config.LocalDynamicBrokerConfigStore.FILE_NAME).toString());
    List<NetworkServer.Endpoint> out = new java.util.ArrayList<>();
    List<SaslMechanisms> saslListeners = new java.util.ArrayList<>();
    BrokerConnector interBroker = BrokerConnector.PLAINTEXT;
    Map<String, Object> consoleClient = Map.of();
    java.util.Optional<org.apache.kafka.common.security.auth.KafkaPrincipal> consolePrincipal =
        java.util.Optional.of(org.apache.kafka.common.security.auth.KafkaPrincipal.ANONYMOUS);
    for (Listener l : lc.listeners()) {
      SecurityProtocol protocol = lc.protocol(l.name());
      ListenerSettings settings = new ListenerSettings(dynamic.effective(), l.name());
      TlsContext tls = switch (protocol) {
        case SSL, SASL_SSL -> TlsContext.create(settings, true);
        case PLAINTEXT, SASL_PLAINTEXT -> null;
      };
      SaslMechanisms sasl = switch (protocol) {
        case SASL_PLAINTEXT, SASL_SSL -> SaslMechanisms.create(settings, scram, background);
        case PLAINTEXT, SSL -> null;
      };
      out.add(new NetworkServer.Endpoint(l, protocol,
          tls == null ? ListenerSecurity.NONE : new TlsSecurity(dynamic.register(l.name(), tls)),
          l.name().equals(lc.interBroker()), sasl));
      if (sasl != null) saslListeners.add(sasl);
      if (l.name().equals(lc.interBroker())) {
        String mechanism = config.getString("sasl.mechanism.inter.broker.protocol");
        interBroker = InterBrokerSecurity.create(settings, protocol, tls, mechanism);
        // The HTTP console's own clients connect as this broker does (README "Seeing inside it").
        consoleClient = InterBrokerSecurity.clientProperties(settings, protocol, mechanism);
        Object tokenUrl = consoleClient.get("sasl.oauthbearer.token.endpoint.url");
        if (tokenUrl != null) dev.brook.broker.security.oauth.ClientCredentialsTokens.allowInKafkaClients(tokenUrl.toString());
        consolePrincipal = InterBrokerSecurity.clientPrincipal(settings, protocol, mechanism);
      }
    }
    return new SecurityArea(List.copyOf(out), interBroker, dev.brook.broker.security.PasswordVerifier.of(saslListeners, scram),
        consoleClient, consolePrincipal, dynamic);
  }

  /**
   * Authorization (authorizer.class.name set): the ACLs from the metadata directory (single node)
   * or ZooKeeper (cluster), kept in the authorizer as they change; CreateAcls, DescribeAcls,
   * DeleteAcls; and Kafka's rule of every API in front of its handler. Without an authorizer the
   * ACL APIs answer SECURITY_DISABLED and no rule is installed. Owned by the security area.
   */
  static void startAuthorization(ApiDispatcher dispatcher, BrokerConfig config,
      dev.brook.broker.security.Authorizer authorizer, ReplicaManager replicas, TopicAdmin topics, ZkCluster cluster,
      Deque<AutoCloseable> toClose) throws Exception {
    if (authorizer == null) {
      dev.brook.broker.api.AclApis.registerDisabled(dispatcher);
      return;
    }
    dev.brook.broker.security.AclStore store = cluster != null
        ? dev.brook.broker.cluster.zk.ZkAclStore.open(cluster)
        : dev.brook.broker.cluster.LocalAclStore.open(config.logDir());
    toClose.add(store);
    store.onChange(authorizer::replaceAcls);
    ExecutorService writer = Executors.newSingleThreadExecutor(
        Thread.ofPlatform().name("brook-acl-writer").daemon().factory());
    toClose.add(writer::shutdownNow);
    dev.brook.broker.api.AclApis.register(dispatcher, authorizer, store, writer);
    dispatcher.authorizeWith(authorizer, replicas::topicName, name -> topics.partitionCount(name).isPresent(),
        config.getBoolean("auto.create.topics.enable"));
    log.info("Authorization on ({}): {} ACLs, super users {}", config.getString("authorizer.class.name"),
        store.acls().size(), config.getString("super.users"));
  }
}
