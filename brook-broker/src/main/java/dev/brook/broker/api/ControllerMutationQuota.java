package dev.brook.broker.api;

import dev.brook.broker.quota.ClientQuotas;
import dev.brook.broker.quota.QuotaType;

/**
 * {@code controller_mutation_rate} (KIP-599): partitions created or deleted per second by a client.
 * Checked before each topic of a CreateTopics, CreatePartitions or DeleteTopics request: a client
 * already over its rate has the topic refused with THROTTLING_QUOTA_EXCEEDED when its request
 * version can say so (CreateTopics v6+, CreatePartitions v3+, DeleteTopics v5+); older versions are
 * served and only throttled. Either way the response carries the throttle.
 */
public final class ControllerMutationQuota {
  private final ClientQuotas quotas;

  public ControllerMutationQuota(ClientQuotas quotas) {
    this.quotas = quotas;
  }

  /** A quota that meters nothing (tests, and callers without quotas). */
  public static ControllerMutationQuota none() {
    return new ControllerMutationQuota(null);
  }

  /** One request's metering. */
  public final class Permit {
    private final String user;
    private final String clientId;
    private final boolean strict;
    private long throttleMs;

    private Permit(RequestContext ctx, boolean strict) {
      this.user = ctx.principal().getName();
      this.clientId = ctx.clientId() == null ? "" : ctx.clientId();
      this.strict = strict;
    }

    /** Whether the next topic is refused: the client is already over its rate and can be told so. */
    public boolean refuses() {
      if (quotas == null || !quotas.enabled() || !strict) return false;
      long wait = quotas.throttleBefore(QuotaType.CONTROLLER_MUTATION, user, clientId);
      throttleMs = Math.max(throttleMs, wait);
      return wait > 0;
    }

    /** Records partitions a topic created or deleted. */
    public void record(long partitions) {
      if (quotas == null || !quotas.enabled() || partitions <= 0) return;
      throttleMs = Math.max(throttleMs, quotas.record(QuotaType.CONTROLLER_MUTATION, user, clientId, partitions));
    }

    /** The throttle the response carries. */
    public int throttleMs() {
      return (int) Math.min(Integer.MAX_VALUE, throttleMs);
    }
  }

  /** @param strict whether the request's version can carry THROTTLING_QUOTA_EXCEEDED */
  public Permit open(RequestContext ctx, boolean strict) {
    return new Permit(ctx, strict);
  }
}
