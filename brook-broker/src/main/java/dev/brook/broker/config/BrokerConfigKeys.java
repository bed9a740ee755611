package dev.brook.broker.config;

import static dev.brook.broker.config.ConfigType.BOOLEAN;
import static dev.brook.broker.config.ConfigType.CLASS;
import static dev.brook.broker.config.ConfigType.DOUBLE;
import static dev.brook.broker.config.ConfigType.INT;
import static dev.brook.broker.config.ConfigType.LIST;
import static dev.brook.broker.config.ConfigType.LONG;
import static dev.brook.broker.config.ConfigType.PASSWORD;
import static dev.brook.broker.config.ConfigType.STRING;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every broker-level key Brook understands, with Kafka's names and defaults. A key not listed here is
 * a startup error (users bring Kafka configs; a typo must not pass silently).
 */
public final class BrokerConfigKeys {
  private static final Map<String, ConfigKey> KEYS = new LinkedHashMap<>();

  static {
    // identity and network
    add(ConfigKey.atLeast("node.id", INT, "1", 0, "The id of this broker."));
    add(ConfigKey.atLeast("broker.id", INT, null, 0, "Alias of node.id (ZooKeeper-era name)."));
    add(ConfigKey.of("listeners", LIST, "PLAINTEXT://127.0.0.1:9092", "Listeners: NAME://host:port, comma separated."));
    add(ConfigKey.of("advertised.listeners", LIST, null, "Listeners given to clients; default: listeners."));
    add(ConfigKey.of("listener.security.protocol.map", LIST, ListenerConfig.DEFAULT_PROTOCOL_MAP, "Listener name to security protocol (PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL)."));
    add(ConfigKey.of("inter.broker.listener.name", STRING, null, "Listener other brokers connect to (replication, markers); default: the first listener."));
    // authorization (issue 17): Kafka's ACL authorizer keys
    add(ConfigKey.of("authorizer.class.name", STRING, "", "ACL authorization when set: kafka.security.authorizer.AclAuthorizer, org.apache.kafka.metadata.authorizer.StandardAuthorizer or dev.brook.broker.security.Authorizer (same semantics); empty: everything allowed."));
    add(ConfigKey.of("super.users", STRING, "", "Principals allowed everything, ';' separated (User:admin;User:bob)."));
    add(ConfigKey.of("allow.everyone.if.no.acl.found", BOOLEAN, "false", "With an authorizer: allow access to a resource no ACL covers."));
    add(ConfigKey.of("broker.rack", STRING, null, "Rack of this broker."));
    add(ConfigKey.of("cluster.id", STRING, null, "Cluster id; generated on first start when unset."));
    add(ConfigKey.atLeast("socket.request.max.bytes", INT, "104857600", 1, "Largest request frame accepted."));
    // security (docs/ARCHITECTURE.md "Security"): each may be given per listener as
    // listener.name.<listener>.<key>, which wins over the plain key (SecurityConfig)
    add(ConfigKey.of("ssl.keystore.type", STRING, "JKS", "Keystore format: JKS, PKCS12 or PEM."));
    add(ConfigKey.of("ssl.keystore.location", STRING, null, "The broker's keystore file (its certificate and private key)."));
    add(ConfigKey.of("ssl.keystore.password", PASSWORD, null, "Password of the keystore file."));
    add(ConfigKey.of("ssl.key.password", PASSWORD, null, "Password of the private key (keystore entry or encrypted PEM key)."));
    add(ConfigKey.of("ssl.keystore.certificate.chain", PASSWORD, null, "PEM certificate chain, inline (ssl.keystore.type=PEM)."));
    add(ConfigKey.of("ssl.keystore.key", PASSWORD, null, "PEM private key (PKCS#8), inline (ssl.keystore.type=PEM)."));
    add(ConfigKey.of("ssl.truststore.type", STRING, "JKS", "Truststore format: JKS, PKCS12 or PEM."));
    add(ConfigKey.of("ssl.truststore.location", STRING, null, "Certificates trusted for peers (clients with ssl.client.auth, brokers as servers)."));
    add(ConfigKey.of("ssl.truststore.password", PASSWORD, null, "Password of the truststore file."));
    add(ConfigKey.of("ssl.truststore.certificates", PASSWORD, null, "PEM trusted certificates, inline (ssl.truststore.type=PEM)."));
    add(ConfigKey.oneOf("ssl.client.auth", "none", java.util.List.of("none", "requested", "required"), "Client certificates: none, requested or required (mTLS)."));
    add(ConfigKey.of("ssl.allow.dn.changes", BOOLEAN, "false", "Whether a key store changed at runtime (kafka-configs) may present another subject DN."));
    add(ConfigKey.of("ssl.allow.san.changes", BOOLEAN, "false", "Whether a key store changed at runtime (kafka-configs) may present other subject alternative names."));
    add(ConfigKey.oneOf("ssl.engine.provider", "jdk", java.util.List.of("jdk", "openssl", "auto"),
        "Brook's TLS engine for listeners: jdk (the JDK's SSLEngine), openssl (BoringSSL through netty-tcnative; fails the start if its native library cannot load) or auto (OpenSSL when it loads, else the JDK's). See bench/RESULTS.md for why the default is what it is."));
    add(ConfigKey.of("ssl.principal.mapping.rules", STRING, "DEFAULT", "Rules from a client certificate's distinguished name to a user name."));
    add(ConfigKey.of("ssl.enabled.protocols", LIST, "TLSv1.2,TLSv1.3", "TLS versions enabled."));
    add(ConfigKey.of("ssl.protocol", STRING, "TLSv1.3", "TLS protocol of the SSLContext."));
    add(ConfigKey.of("ssl.cipher.suites", LIST, null, "Cipher suites enabled; default: the JDK's."));
    add(ConfigKey.of("ssl.endpoint.identification.algorithm", STRING, "https", "Host name verification when this broker connects to another ('' turns it off)."));
    add(ConfigKey.of("ssl.keymanager.algorithm", STRING, "SunX509", "Key manager factory algorithm."));
    add(ConfigKey.of("ssl.trustmanager.algorithm", STRING, "PKIX", "Trust manager factory algorithm."));
    add(ConfigKey.of("sasl.enabled.mechanisms", LIST, "GSSAPI", "SASL mechanisms served: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER (GSSAPI is not)."));
    add(ConfigKey.of("sasl.mechanism.inter.broker.protocol", STRING, "GSSAPI", "SASL mechanism this broker uses to connect to others."));
    // Secrets the broker stores for itself (cluster links' passwords) are encrypted with these, as Kafka's
    // ZooKeeper mode encrypted dynamic password configs; every broker of a cluster needs the same secret.
    add(ConfigKey.of("password.encoder.secret", PASSWORD, null,
        "Secret that encrypts the passwords Brook stores (cluster links' sasl.jaas.config and *password*); same on every broker."));
    add(ConfigKey.of("password.encoder.old.secret", PASSWORD, null,
        "The previous password.encoder.secret while rotating it: stored passwords it encrypted are still read."));
    add(ConfigKey.of("sasl.jaas.config", PASSWORD, null, "JAAS login module config; per listener and mechanism as listener.name.<l>.<mechanism>.sasl.jaas.config."));
    add(ConfigKey.atLeast("sasl.server.max.receive.size", INT, "524288", 1, "Largest frame accepted before authentication (CVE-2022-34917)."));
    add(ConfigKey.atLeast("connection.failed.authentication.delay.ms", INT, "100", 0,
        "How long a failed SASL authentication waits before its answer is sent and the connection closed (Kafka's default 100)."));
    add(ConfigKey.atLeast("connections.max.reauth.ms", LONG, "0", 0, "SASL session lifetime; a client re-authenticates before it ends (KIP-368). 0: unlimited."));
    // OAUTHBEARER (KIP-768): the broker validates signed JWTs against a JWKS. Each may also be given per
    // listener (listener.name.<l>.<key>) and per listener and mechanism (listener.name.<l>.oauthbearer.<key>).
    add(ConfigKey.of("sasl.server.callback.handler.class", CLASS, null,
        "Per listener and mechanism (listener.name.<l>.oauthbearer.sasl.server.callback.handler.class): Kafka's "
            + "OAuthBearerValidatorCallbackHandler names Brook's own JWT validator, which is also the default; no other class is loaded, "
            + "and the unsecured validator (any JWT accepted) is refused."));
    add(ConfigKey.of("sasl.oauthbearer.jwks.endpoint.url", STRING, null,
        "JWKS of the token issuer: https://, http:// or file: URL; required for OAUTHBEARER. Read at startup (a failure stops it) and refreshed."));
    add(ConfigKey.atLeast("sasl.oauthbearer.jwks.endpoint.refresh.ms", LONG, "3600000", 1, "How often the JWKS is fetched again."));
    add(ConfigKey.atLeast("sasl.oauthbearer.jwks.endpoint.retry.backoff.ms", LONG, "100", 0,
        "Least wait before the JWKS is fetched again after a failed fetch or for a token signed with an unknown key."));
    add(ConfigKey.atLeast("sasl.oauthbearer.jwks.endpoint.retry.backoff.max.ms", LONG, "10000", 0,
        "Most the wait between JWKS fetches grows to after failures (doubling from the backoff)."));
    add(ConfigKey.of("sasl.oauthbearer.expected.audience", LIST, null, "Audiences a token's aud must name one of; unset, a token that has an aud is refused (as in Kafka)."));
    add(ConfigKey.of("sasl.oauthbearer.expected.issuer", STRING, null, "The iss a token must carry; unset: iss is not checked."));
    add(ConfigKey.atLeast("sasl.oauthbearer.clock.skew.seconds", INT, "30", 0, "Leeway for exp, nbf and iat between the issuer's clock and the broker's."));
    add(ConfigKey.of("sasl.oauthbearer.sub.claim.name", STRING, "sub", "The claim whose value is the principal (User:<value>)."));
    add(ConfigKey.of("sasl.oauthbearer.scope.claim.name", STRING, "scope", "The claim holding the token's scopes (a space-separated string or a list of strings)."));
    add(ConfigKey.of("sasl.oauthbearer.token.endpoint.url", STRING, null,
        "With sasl.mechanism.inter.broker.protocol=OAUTHBEARER: the issuer's OAuth token endpoint, asked for this broker's tokens "
            + "(client credentials: clientId and clientSecret of the listener's OAUTHBEARER JAAS entry, optional scope)."));
    add(ConfigKey.of("sasl.login.callback.handler.class", CLASS, null,
        "Per listener and mechanism (listener.name.<l>.oauthbearer.sasl.login.callback.handler.class): Kafka's "
            + "OAuthBearerLoginCallbackHandler names Brook's own client-credentials token source; no other class is loaded."));
    add(ConfigKey.of("sasl.oauthbearer.jwt.validator.class", CLASS, "org.apache.kafka.common.security.oauthbearer.DefaultJwtValidator",
        "Kafka 4.1's validator classes (DefaultJwtValidator, BrokerJwtValidator) name Brook's own validator; no other class is loaded."));
    add(ConfigKey.of("socket.send.buffer.bytes", INT, "102400", "SO_SNDBUF; -1 for the OS default."));
    add(ConfigKey.of("socket.receive.buffer.bytes", INT, "102400", "SO_RCVBUF; -1 for the OS default."));
    add(ConfigKey.atLeast("num.network.threads", INT, "3", 1,
        "With num.io.threads, when either is set: min(cores, num.network.threads + num.io.threads) event loops serve requests; unset, one per core."));
    add(ConfigKey.atLeast("num.io.threads", INT, "8", 1, "See num.network.threads: Kafka's I/O threads' work runs on Brook's event loops."));
    add(ConfigKey.atLeast("background.threads", INT, "10", 1,
        "Threads for work that may block (topic changes, cold-data reads for fetches, producer-id blocks), never run on an event loop."));
    add(ConfigKey.atLeast("queued.max.requests", INT, "500", 1, "In-flight requests per connection before reading pauses."));
    add(ConfigKey.atLeast("connections.max.idle.ms", LONG, "600000", -1, "Idle connections are closed after this."));
    add(ConfigKey.atLeast("max.connections", INT, "2147483647", 1,
        "Connections on all listeners together; at the limit listeners stop accepting (the inter-broker one excepted)."));
    add(ConfigKey.atLeast("max.connections.per.ip", INT, "2147483647", 0,
        "Connections from one address; a connection over it is closed at once."));
    add(ConfigKey.of("max.connections.per.ip.overrides", STRING, "",
        "Per-address limits, host:count comma separated (hosts resolved at startup)."));
    add(ConfigKey.atLeast("max.connection.creation.rate", INT, "2147483647", 1,
        "New connections per second per listener; past it the listener pauses accepting."));
    add(ConfigKey.atLeast("quota.window.num", INT, "11", 1, "Samples client quota rates are measured over."));
    add(ConfigKey.atLeast("quota.window.size.seconds", INT, "1", 1, "Length of each client quota sample."));
    add(ConfigKey.atLeast("queued.max.request.bytes", LONG, "-1", -1,
        "Memory all queued requests may hold; a connection that cannot reserve its next request's size stops reading. "
            + "-1: three quarters of the memory network buffers come from (max direct memory)."));
    add(ConfigKey.of("http.port", INT, "-1", "Port of the HTTP console/metrics; -1 disables it, 0 picks a free one."));
    // the HTTP side with an authorizer on (README "Seeing inside it"): HTTP Basic against the SASL users, the ACLs per action
    add(new ConfigKey("http.open.paths", LIST, "/metrics,/health/live,/health/ready",
        v -> java.util.Set.of("/metrics", "/health/live", "/health/ready").containsAll((List<?>) v),
        "may name only /metrics, /health/live and /health/ready",
        "With an authorizer: the paths anyone may read without authorization (Prometheus, Kubernetes probes); a path left out needs DESCRIBE on the cluster."));
    add(ConfigKey.atLeast("http.authentication.failure.delay.ms", LONG, "100", 0,
        "With an authorizer: a request with wrong HTTP Basic credentials is answered 401 only after this delay, on a closed connection."));
    add(ConfigKey.of("http.ssl.listener", STRING, "",
        "Serve the HTTP port over HTTPS with the TLS settings (key store, protocols, cipher suites) of this SSL or SASL_SSL listener; empty: plain HTTP."));
    // topics and logs
    add(ConfigKey.of("log.dirs", LIST, null, "Log directories (JBOD): a new partition goes to the one with the fewest partitions; one that fails goes offline alone."));
    add(ConfigKey.of("log.dir", STRING, "/tmp/brook-logs", "Used when log.dirs is unset."));
    add(ConfigKey.atLeast("num.partitions", INT, "1", 1, "Partitions of auto-created topics."));
    add(ConfigKey.atLeast("default.replication.factor", INT, "1", 1, "Replication factor of auto-created topics."));
    add(ConfigKey.of("auto.create.topics.enable", BOOLEAN, "true", "Create unknown topics on Metadata/Produce."));
    add(ConfigKey.of("delete.topic.enable", BOOLEAN, "true", "Allow DeleteTopics."));
    add(ConfigKey.atLeast("log.segment.bytes", INT, "1073741824", 14, "segment.bytes default."));
    add(ConfigKey.atLeast("log.roll.ms", LONG, null, 1, "segment.ms default (overrides log.roll.hours)."));
    add(ConfigKey.atLeast("log.roll.hours", INT, "168", 1, "segment.ms default in hours."));
    add(ConfigKey.atLeast("log.roll.jitter.ms", LONG, null, 0, "segment.jitter.ms default (overrides log.roll.jitter.hours)."));
    add(ConfigKey.atLeast("log.roll.jitter.hours", INT, "0", 0, "segment.jitter.ms default in hours."));
    add(ConfigKey.atLeast("log.index.size.max.bytes", INT, "10485760", 4, "segment.index.bytes default."));
    add(ConfigKey.atLeast("log.index.interval.bytes", INT, "4096", 0, "index.interval.bytes default."));
    add(ConfigKey.atLeast("log.retention.ms", LONG, null, -1, "retention.ms default (overrides minutes/hours)."));
    add(ConfigKey.atLeast("log.retention.minutes", INT, null, -1, "retention.ms default in minutes."));
    add(ConfigKey.atLeast("log.retention.hours", INT, "168", -1, "retention.ms default in hours."));
    add(ConfigKey.atLeast("log.retention.bytes", LONG, "-1", -1, "retention.bytes default."));
    add(ConfigKey.atLeast("log.retention.check.interval.ms", LONG, "300000", 1, "How often retention runs."));
    add(new ConfigKey("log.cleanup.policy", LIST, "delete",
        v -> List.of("delete", "compact").containsAll((List<?>) v), "must be delete, compact or both", "cleanup.policy default."));
    add(ConfigKey.of("log.cleaner.enable", BOOLEAN, "true", "Run the compaction cleaner."));
    add(ConfigKey.atLeast("log.cleaner.threads", INT, "1", 0, "Cleaner threads."));
    add(ConfigKey.atLeast("log.cleaner.delete.retention.ms", LONG, "86400000", 0, "delete.retention.ms default."));
    add(ConfigKey.between("log.cleaner.min.cleanable.ratio", DOUBLE, "0.5", 0, 1, "min.cleanable.dirty.ratio default."));
    add(ConfigKey.atLeast("log.cleaner.min.compaction.lag.ms", LONG, "0", 0, "min.compaction.lag.ms default."));
    add(ConfigKey.atLeast("log.cleaner.max.compaction.lag.ms", LONG, "9223372036854775807", 1, "max.compaction.lag.ms default."));
    add(ConfigKey.atLeast("log.cleaner.io.max.bytes.per.second", DOUBLE, "1.7976931348623157E308", 1, "Cleaner I/O limit."));
    add(ConfigKey.atLeast("log.cleaner.backoff.ms", LONG, "15000", 0, "Sleep when there is nothing to clean."));
    add(ConfigKey.atLeast("log.cleaner.dedupe.buffer.size", LONG, "134217728", 1024, "Memory for the cleaner's offset map."));
    add(ConfigKey.atLeast("log.flush.interval.messages", LONG, "9223372036854775807", 1, "flush.messages default."));
    add(ConfigKey.atLeast("log.flush.interval.ms", LONG, null, 0, "flush.ms default."));
    add(ConfigKey.atLeast("log.flush.scheduler.interval.ms", LONG, "9223372036854775807", 1, "How often flush.ms is checked."));
    add(ConfigKey.atLeast("log.flush.offset.checkpoint.interval.ms", INT, "60000", 0, "How often the recovery points are checkpointed."));
    add(ConfigKey.atLeast("log.flush.start.offset.checkpoint.interval.ms", INT, "60000", 0, "How often the log start offsets are checkpointed."));
    add(ConfigKey.atLeast("log.segment.delete.delay.ms", LONG, "60000", 0, "file.delete.delay.ms default."));
    add(new ConfigKey("log.preallocate", BOOLEAN, "false", v -> !(Boolean) v,
        "is not supported: Brook does not preallocate segment files (set it to false or remove it)",
        "preallocate default; only false is accepted."));
    // Kafka's keys for features Brook does not have: only the value that means "off" starts.
    add(new ConfigKey("leader.replication.throttled.rate", LONG, "9223372036854775807", v -> (Long) v == Long.MAX_VALUE,
        "is not supported: Brook does not throttle replication (remove it)", "Only the default (no throttle) is accepted."));
    add(new ConfigKey("follower.replication.throttled.rate", LONG, "9223372036854775807", v -> (Long) v == Long.MAX_VALUE,
        "is not supported: Brook does not throttle replication (remove it)", "Only the default (no throttle) is accepted."));
    // KIP-390: the level the broker compresses at when a topic's compression.type rewrites a batch.
    add(new ConfigKey("compression.gzip.level", INT, "-1", v -> (Integer) v == -1 || ((Integer) v >= 1 && (Integer) v <= 9),
        "must be -1 or in [1, 9]", "compression.gzip.level default: the gzip level batches are rewritten at."));
    add(ConfigKey.between("compression.lz4.level", INT, "9", 1, 17,
        "compression.lz4.level default: the lz4 level batches are rewritten at."));
    add(ConfigKey.between("compression.zstd.level", INT, "3", -131072, 22,
        "compression.zstd.level default: the zstd level batches are rewritten at."));
    add(ConfigKey.oneOf("log.message.timestamp.type", "CreateTime", List.of("CreateTime", "LogAppendTime"), "message.timestamp.type default."));
    add(ConfigKey.atLeast("log.message.timestamp.before.max.ms", LONG, "9223372036854775807", 0, "message.timestamp.before.max.ms default."));
    add(ConfigKey.atLeast("log.message.timestamp.after.max.ms", LONG, "3600000", 0, "message.timestamp.after.max.ms default."));
    add(ConfigKey.atLeast("message.max.bytes", INT, "1048588", 0, "max.message.bytes default: largest batch accepted."));
    add(ConfigKey.atLeast("min.insync.replicas", INT, "1", 1, "min.insync.replicas default."));
    add(ConfigKey.of("unclean.leader.election.enable", BOOLEAN, "false", "unclean.leader.election.enable default."));
    add(ConfigKey.oneOf("compression.type", "producer", List.of("uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"), "compression.type default: producer keeps each batch's codec; a codec makes the leader rewrite batches in another one."));
    // groups
    add(ConfigKey.atLeast("offsets.topic.num.partitions", INT, "50", 1, "Partitions of __consumer_offsets."));
    add(ConfigKey.atLeast("offsets.topic.replication.factor", INT, "3", 1, "Replication factor of __consumer_offsets in a cluster; until that many brokers are live, groups get COORDINATOR_NOT_AVAILABLE."));
    add(ConfigKey.atLeast("offsets.topic.segment.bytes", INT, "104857600", 1, "Segment size of __consumer_offsets."));
    add(ConfigKey.atLeast("offsets.retention.minutes", INT, "10080", 1, "Committed offsets of empty groups expire after this."));
    add(ConfigKey.atLeast("offsets.retention.check.interval.ms", LONG, "600000", 1, "How often offset expiry runs."));
    add(ConfigKey.atLeast("offsets.commit.timeout.ms", INT, "5000", 1, "Offset commit wait for replication."));
    add(ConfigKey.atLeast("group.initial.rebalance.delay.ms", INT, "3000", 0, "Wait for more members before the first rebalance."));
    add(ConfigKey.atLeast("group.min.session.timeout.ms", INT, "6000", 0, "Smallest session timeout allowed."));
    add(ConfigKey.atLeast("group.max.session.timeout.ms", INT, "1800000", 0, "Largest session timeout allowed."));
    add(ConfigKey.atLeast("group.max.size", INT, "2147483647", 1, "Largest classic group."));
    add(ConfigKey.of("group.coordinator.rebalance.protocols", LIST, "classic,consumer", "Group protocols enabled."));
    add(ConfigKey.atLeast("group.consumer.session.timeout.ms", INT, "45000", 1, "KIP-848 member session timeout."));
    add(ConfigKey.atLeast("group.consumer.heartbeat.interval.ms", INT, "5000", 1, "KIP-848 heartbeat interval."));
    add(ConfigKey.of("group.consumer.assignors", LIST, "uniform,range", "KIP-848 server-side assignors."));
    // transactions and producers
    add(ConfigKey.atLeast("transaction.state.log.num.partitions", INT, "50", 1, "Partitions of __transaction_state."));
    add(ConfigKey.atLeast("transaction.state.log.replication.factor", INT, "3", 1, "Replication factor of __transaction_state (capped at the live brokers)."));
    add(ConfigKey.atLeast("transaction.state.log.min.isr", INT, "2", 1, "min.insync.replicas of __transaction_state."));
    add(ConfigKey.atLeast("transaction.state.log.segment.bytes", INT, "104857600", 1, "Segment size of __transaction_state."));
    add(ConfigKey.atLeast("transaction.max.timeout.ms", INT, "900000", 1, "Largest transaction timeout a producer may ask for."));
    add(ConfigKey.atLeast("transactional.id.expiration.ms", INT, "604800000", 1, "Idle transactional ids expire after this."));
    add(ConfigKey.atLeast("transaction.abort.timed.out.transaction.cleanup.interval.ms", INT, "10000", 1, "How often timed-out transactions are aborted."));
    add(ConfigKey.atLeast("producer.id.expiration.ms", INT, "86400000", 1, "Idle producer ids expire after this."));
    add(ConfigKey.atLeast("max.incremental.fetch.session.cache.slots", INT, "1000", 0, "Fetch sessions kept (KIP-227)."));
    // cluster mode
    add(ConfigKey.of("zookeeper.connect", STRING, null, "ZooKeeper connect string; unset means single-node mode."));
    add(ConfigKey.atLeast("zookeeper.session.timeout.ms", INT, "18000", 1, "ZooKeeper session timeout."));
    add(ConfigKey.atLeast("zookeeper.connection.timeout.ms", INT, "18000", 1, "ZooKeeper connection timeout."));
    add(ConfigKey.atLeast("replica.lag.time.max.ms", LONG, "30000", 1, "A follower not caught up for this long leaves the ISR."));
    add(ConfigKey.atLeast("replica.fetch.max.bytes", INT, "1048576", 0, "Bytes per partition in a replica fetch."));
    add(ConfigKey.atLeast("replica.fetch.wait.max.ms", INT, "500", 0, "Replica fetch long-poll."));
    add(ConfigKey.atLeast("num.replica.fetchers", INT, "1", 1,
        "Fetcher threads (each with its own connection) per leader broker; followed partitions are spread over them by hash."));
    add(ConfigKey.of("auto.leader.rebalance.enable", BOOLEAN, "true", "Move leadership back to preferred replicas."));
    add(ConfigKey.atLeast("leader.imbalance.check.interval.seconds", LONG, "300", 1, "How often preferred leaders are checked."));
    add(ConfigKey.of("controlled.shutdown.enable", BOOLEAN, "true", "Move leadership away before stopping."));
  }

  private BrokerConfigKeys() {}

  private static void add(ConfigKey key) {
    KEYS.put(key.name(), key);
  }

  public static ConfigKey get(String name) {
    return KEYS.get(name);
  }

  /**
   * Whether {@code name} is a per-listener override Kafka accepts: {@code listener.name.<listener>.}
   * followed by an {@code ssl.}/{@code sasl.} key, or by {@code <mechanism>.sasl.jaas.config}
   * (the listener is checked against {@code listeners} at startup).
   */
  public static boolean isListenerOverride(String name) {
    if (!name.startsWith(LISTENER_PREFIX)) return false;
    int dot = name.indexOf('.', LISTENER_PREFIX.length());
    if (dot < 0) return false;
    String rest = name.substring(dot + 1);
    if (rest.endsWith(".sasl.jaas.config")) return true;
    int mechanismDot = rest.indexOf('.');
    if (mechanismDot > 0 && MECHANISM_PREFIXES.contains(rest.substring(0, mechanismDot))) {
      // listener.name.<l>.<mechanism>.<key>: Kafka hands these to the mechanism's callback handler
      rest = rest.substring(mechanismDot + 1);
      return KEYS.containsKey(rest) && (rest.startsWith("sasl.oauthbearer.") || rest.equals("sasl.server.callback.handler.class")
          || rest.equals("sasl.login.callback.handler.class"));
    }
    ConfigKey key = KEYS.get(rest);
    return key != null && (rest.startsWith("ssl.") || rest.startsWith("sasl.") || rest.equals("connections.max.reauth.ms"));
  }

  public static final String LISTENER_PREFIX = "listener.name.";

  /** Mechanisms whose per-listener settings may be given as {@code listener.name.<l>.<mechanism>.<key>}. */
  private static final java.util.Set<String> MECHANISM_PREFIXES = java.util.Set.of("oauthbearer");

  /** All keys in a stable order. */
  public static Map<String, ConfigKey> all() {
    return java.util.Collections.unmodifiableMap(KEYS);
  }
}
