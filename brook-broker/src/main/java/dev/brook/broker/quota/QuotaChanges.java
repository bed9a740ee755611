package dev.brook.broker.quota;

import java.util.HashMap;
import java.util.Map;
import java.util.OptionalDouble;

/** Applies an AlterClientQuotas change set to the stored quotas. */
final class QuotaChanges {
  private QuotaChanges() {}

  static ClientQuotaConfigs apply(ClientQuotaConfigs current, Map<QuotaEntity, Map<QuotaType, OptionalDouble>> changes) {
    Map<QuotaEntity, Map<QuotaType, Double>> next = new HashMap<>();
    current.all().forEach((e, q) -> next.put(e, new HashMap<>(q)));
    changes.forEach((e, ops) -> {
      Map<QuotaType, Double> q = next.computeIfAbsent(e, x -> new HashMap<>());
      ops.forEach((type, value) -> {
        if (value.isPresent()) q.put(type, value.getAsDouble());
        else q.remove(type);
      });
    });
    return new ClientQuotaConfigs(next);
  }
}
