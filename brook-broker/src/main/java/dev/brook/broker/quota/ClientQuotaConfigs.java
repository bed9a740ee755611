package dev.brook.broker.quota;

import java.util.HashMap;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * Every configured client quota, and which one applies to a request: Kafka's precedence (KIP-55),
 * most specific first, each quota type resolved on its own:
 *
 * <ol>
 *   <li>user and client id; user and default client id; user alone;
 *   <li>default user and client id; default user and default client id; default user alone;
 *   <li>client id alone; default client id alone.
 * </ol>
 *
 * Immutable; a change makes a new one.
 */
public final class ClientQuotaConfigs {
  public static final ClientQuotaConfigs EMPTY = new ClientQuotaConfigs(Map.of());

  private final Map<QuotaEntity, Map<QuotaType, Double>> byEntity;

  public ClientQuotaConfigs(Map<QuotaEntity, Map<QuotaType, Double>> byEntity) {
    Map<QuotaEntity, Map<QuotaType, Double>> copy = new HashMap<>();
    byEntity.forEach((e, q) -> {
      if (!q.isEmpty()) copy.put(e, Map.copyOf(q));
    });
    this.byEntity = Map.copyOf(copy);
  }

  public boolean isEmpty() {
    return byEntity.isEmpty();
  }

  public Map<QuotaEntity, Map<QuotaType, Double>> all() {
    return byEntity;
  }

  /** The quota of {@code type} that applies to {@code user} with {@code clientId}, if any. */
  public OptionalDouble quota(QuotaType type, String user, String clientId) {
    return resolve(type, user, clientId).map(r -> OptionalDouble.of(r.bound())).orElse(OptionalDouble.empty());
  }

  /** The quota that applies and the entity it was configured on (the requests it meters together). */
  public record Resolved(QuotaEntity entity, double bound) {}

  public java.util.Optional<Resolved> resolve(QuotaType type, String user, String clientId) {
    String d = QuotaEntity.DEFAULT;
    QuotaEntity[] order = {
        new QuotaEntity(user, clientId), new QuotaEntity(user, d), new QuotaEntity(user, null),
        new QuotaEntity(d, clientId), new QuotaEntity(d, d), new QuotaEntity(d, null),
        new QuotaEntity(null, clientId), new QuotaEntity(null, d)};
    for (QuotaEntity e : order) {
      Map<QuotaType, Double> q = byEntity.get(e);
      if (q != null && q.containsKey(type)) return java.util.Optional.of(new Resolved(metered(e, user, clientId), q.get(type)));
    }
    return java.util.Optional.empty();
  }

  /**
   * The requests a quota configured on {@code configured} meters together: a default stands for
   * each user (or client id) on its own, as in Kafka, so every user gets the default's rate.
   */
  private static QuotaEntity metered(QuotaEntity configured, String user, String clientId) {
    String u = configured.user() == null ? null : user;
    String c = configured.clientId() == null ? null : clientId;
    return new QuotaEntity(u, c);
  }
}
