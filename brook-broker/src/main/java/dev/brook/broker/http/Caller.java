package dev.brook.broker.http;

import dev.brook.broker.security.Authorizer;
import dev.brook.broker.security.Operation;
import dev.brook.broker.security.ResourceType;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.kafka.common.security.auth.KafkaPrincipal;

/**
 * Who one HTTP request comes from and what the broker's ACLs let it do: its principal ({@code
 * User:<name>} after HTTP Basic, else {@code User:ANONYMOUS}), its address (ACL hosts) and the
 * broker's {@link Authorizer}, asked with the same operation and resource as the Kafka API the request
 * stands for. Without an authorizer everything is allowed, as on the Kafka listeners. Immutable; one
 * per request.
 */
final class Caller {
  private final KafkaPrincipal principal;
  private final boolean authenticated;
  private final InetAddress host;
  private final Authorizer authorizer;

  Caller(KafkaPrincipal principal, boolean authenticated, InetAddress host, Authorizer authorizer) {
    this.principal = principal;
    this.authenticated = authenticated;
    this.host = host;
    this.authorizer = authorizer;
  }

  /** A caller of a broker without an authorizer: anonymous and allowed everything. */
  static Caller unrestricted(InetAddress host) {
    return new Caller(KafkaPrincipal.ANONYMOUS, false, host, null);
  }

  KafkaPrincipal principal() {
    return principal;
  }

  boolean authenticated() {
    return authenticated;
  }

  /** Whether an authorizer decides (false: everything allowed). */
  boolean secured() {
    return authorizer != null;
  }

  boolean may(Operation op, ResourceType type, String name) {
    return authorizer == null || authorizer.authorize(principal, host, op, type, name);
  }

  /** Whether {@code op} is allowed on at least one resource of {@code type} (Kafka's authorizeByResourceType). */
  boolean mayAny(Operation op, ResourceType type) {
    return authorizer == null || authorizer.authorizeByResourceType(principal, host, op, type);
  }

  /**
   * Whether the caller may DESCRIBE a resource of {@code type}, by name, asked of the authorizer once
   * per name: for filtering many series or rows by the same few topics or groups. Not thread-safe: for
   * the thread serving this request.
   */
  Predicate<String> mayDescribe(ResourceType type) {
    if (authorizer == null) return name -> true;
    Map<String, Boolean> asked = new HashMap<>();
    return name -> asked.computeIfAbsent(name, n -> may(Operation.DESCRIBE, type, n));
  }

  /** Throws {@link Denied} (401 or 403) unless {@code op} on the resource is allowed. */
  void require(Operation op, ResourceType type, String name) {
    if (!may(op, type, name)) throw new Denied(authenticated, principal.toString(), op, type, name);
  }

  /** CreateTopics' rule: CREATE on the cluster, or CREATE on the topic. */
  void requireCreateTopic(String topic) {
    if (!may(Operation.CREATE, ResourceType.CLUSTER, ResourceType.CLUSTER_NAME)) require(Operation.CREATE, ResourceType.TOPIC, topic);
  }

  /** The operations of {@code type} allowed on the resource, by name (an authorized-operations field). */
  List<String> operations(ResourceType type, String name) {
    List<String> out = new ArrayList<>();
    for (Operation op : type.operations()) if (may(op, type, name)) out.add(op.name());
    return out;
  }
}
