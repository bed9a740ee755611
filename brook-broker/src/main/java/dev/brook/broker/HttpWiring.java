package dev.brook.broker;

import dev.brook.broker.SecurityWiring.SecurityArea;
import dev.brook.broker.cluster.AdvertisedEndpoints;
import dev.brook.broker.config.BrokerConfig;
import dev.brook.broker.config.Listener;
import dev.brook.broker.group.GroupCoordinator;
import dev.brook.broker.http.BrokerHttpServer;
import dev.brook.broker.metrics.BrokerMetrics;
import dev.brook.broker.metrics.ConsumerLag;
import dev.brook.broker.metrics.History;
import dev.brook.broker.metrics.HistorySampler;
import dev.brook.broker.metrics.PartitionGauges;
import dev.brook.broker.replica.LocalReplicaManager;
import dev.brook.broker.txn.TransactionCoordinator;
import java.io.IOException;
import java.util.Deque;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP area on {@code http.port}: /metrics, /health, the console and the REST API, and the
 * console's history. Registers nothing on the dispatcher; adds the history, its sampler thread and
 * the HTTP server to {@code toClose}.
 */
final class HttpWiring {
  private static final Logger log = LoggerFactory.getLogger(Broker.class); // log lines keep the name they had

  private HttpWiring() {}

  /**
   * The HTTP side on {@code http.port} (-1: none), on the Kafka listener's host: /metrics, /health, the
   * console and the REST API; with an authorizer, HTTP Basic against the SASL users and the ACLs per
   * action ({@link dev.brook.broker.http.HttpSecurity}). Its own threads; it reads the broker only
   * through thread-safe views.
   */
  static BrokerHttpServer start(BrokerConfig config, BrokerMetrics metrics, PartitionGauges gauges,
      LocalReplicaManager replicas, GroupCoordinator groups, TransactionCoordinator txn,
      java.util.concurrent.atomic.AtomicBoolean started, AtomicReference<AdvertisedEndpoints> bound, Deque<AutoCloseable> toClose,
      dev.brook.broker.security.Authorizer authorizer, SecurityArea security)
      throws IOException {
    int port = config.getInt("http.port");
    if (port < 0) return null;
    dev.brook.broker.http.HttpSecurity httpSecurity = dev.brook.broker.http.HttpSecurity.fromConfig(config, authorizer,
        security.passwords(), security.consoleClient());
    if (authorizer != null && security.consolePrincipal().isPresent() && !authorizer.isSuperUser(security.consolePrincipal().get())) {
      log.warn("The console acts through the inter-broker listener as {}, which is not in super.users: the broker will refuse "
          + "what its ACLs do not allow that principal, whatever the console's user may do", security.consolePrincipal().get());
    }
    String host = config.listenerConfig().interBrokerListener().host();
    BrokerHttpServer.Readiness ready = new BrokerHttpServer.Readiness(
        started::get,
        () -> replicas.partitions().stream().allMatch(p -> p.leaderId() >= 0),
        () -> groups.isLoaded() && txn.isLoaded());
    ConsumerLag lag = new ConsumerLag(groups, replicas);
    History history = startHistory(config, metrics, lag, toClose);
    BrokerHttpServer http = BrokerHttpServer.start(host == null || host.isEmpty() ? "0.0.0.0" : host, port, metrics, gauges,
        lag, ready, history, replicas, () -> {
          Listener l = ClusterWiring.advertised(config, bound).interBrokerListener();
          return l.host() + ":" + l.port();
        }, httpSecurity);
    toClose.add(http);
    return http;
  }

  /**
   * The console's history (throughput per topic, lag per group) sampled every 10 s on a daemon thread
   * of its own, kept in the log directory ({@link History}). {@code -Dbrook.history.interval.ms}
   * shortens the interval for tests.
   */
  private static History startHistory(BrokerConfig config, BrokerMetrics metrics, ConsumerLag lag, Deque<AutoCloseable> toClose)
      throws IOException {
    long interval = Long.getLong("brook.history.interval.ms", 10_000L);
    History history = new History(config.logDir(), interval);
    toClose.add(history);
    java.util.concurrent.ScheduledExecutorService sampler = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
        Thread.ofPlatform().name("brook-history").daemon().factory());
    sampler.scheduleAtFixedRate(new HistorySampler(history, metrics.topics(), lag, System::currentTimeMillis),
        interval, interval, java.util.concurrent.TimeUnit.MILLISECONDS);
    toClose.add(sampler::shutdownNow);
    return history;
  }
}
