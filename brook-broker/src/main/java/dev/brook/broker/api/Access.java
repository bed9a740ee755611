package dev.brook.broker.api;

import dev.brook.broker.security.Authorizer;
import dev.brook.broker.security.Operation;
import dev.brook.broker.security.ResourceType;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Predicate;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.security.auth.KafkaPrincipal;

/**
 * The authorizer as handlers ask it: "may this request's principal, from this request's address,
 * do this?" — plus what the rules need from the broker (topic names by id, whether a topic exists,
 * whether auto-creation is on). Stateless; any thread.
 */
final class Access {
  final Authorizer authorizer;
  private final Function<Uuid, Optional<String>> topicNames;
  private final Predicate<String> topicExists;
  final boolean autoCreateTopics;

  Access(Authorizer authorizer, Function<Uuid, Optional<String>> topicNames, Predicate<String> topicExists,
      boolean autoCreateTopics) {
    this.authorizer = authorizer;
    this.topicNames = topicNames;
    this.topicExists = topicExists;
    this.autoCreateTopics = autoCreateTopics;
  }

  static InetAddress host(RequestContext ctx) {
    InetSocketAddress a = ctx.clientAddress();
    return a == null ? null : a.getAddress();
  }

  boolean allowed(RequestContext ctx, Operation op, ResourceType type, String name) {
    return authorizer.authorize(ctx.principal(), host(ctx), op, type, name);
  }

  boolean topic(RequestContext ctx, Operation op, String name) {
    return allowed(ctx, op, ResourceType.TOPIC, name);
  }

  boolean group(RequestContext ctx, Operation op, String name) {
    return allowed(ctx, op, ResourceType.GROUP, name);
  }

  boolean transactionalId(RequestContext ctx, Operation op, String name) {
    return allowed(ctx, op, ResourceType.TRANSACTIONAL_ID, name);
  }

  boolean cluster(RequestContext ctx, Operation op) {
    return allowed(ctx, op, ResourceType.CLUSTER, ResourceType.CLUSTER_NAME);
  }

  /**
   * {@code op} on topics for this request's principal and address, for a handler that finds its
   * topics itself ({@link GatedHandler}). Its decisions are keyed to the ACLs' version, so a cache
   * of them (a fetch session's) is dropped when an ACL changes.
   */
  TopicGate topicGate(RequestContext ctx, Operation op) {
    KafkaPrincipal principal = ctx.principal();
    InetAddress host = host(ctx);
    GateKey key = new GateKey(principal, host, op, authorizer.aclVersion());
    return new TopicGate() {
      @Override
      public boolean allows(String topic) {
        return authorizer.authorize(principal, host, op, ResourceType.TOPIC, topic);
      }

      @Override
      public Object decisionKey() {
        return key;
      }
    };
  }

  /** What a topic gate's decisions depend on. */
  private record GateKey(KafkaPrincipal principal, InetAddress host, Operation op, long aclVersion) {}

  int operations(RequestContext ctx, ResourceType type, String name) {
    return authorizer.authorizedOperations(ctx.principal(), host(ctx), type, name);
  }

  /** A topic's name from the request: its name, or the name its id has now (null if unknown). */
  String topicName(String name, Uuid id) {
    if (name != null && !name.isEmpty()) return name;
    if (id == null || id.equals(Uuid.ZERO_UUID)) return name;
    return topicNames.apply(id).orElse(null);
  }

  boolean topicExists(String name) {
    return topicExists.test(name);
  }

  /**
   * A whole request refused: the dispatcher answers it with the API's error response for this
   * error (every entry carries it), as Kafka's does for a request-level authorization failure.
   */
  static CompletableFuture<ApiMessage> refuse(ApiException e) {
    return CompletableFuture.failedFuture(e);
  }
}
