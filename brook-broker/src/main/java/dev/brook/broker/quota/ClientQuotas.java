package dev.brook.broker.quota;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Meters clients against their quotas and says how long a client that went over must wait, as
 * Kafka's quota managers do: each quota type keeps a rate per metered entity over {@code
 * quota.window.num} windows of {@code quota.window.size.seconds}; a request that takes the rate over
 * the bound is answered with the time the client must wait for its rate to fall back to the bound
 * (and the connection stops reading for that long). With no quota configured nothing is metered.
 * A client's meter is dropped after {@link #IDLE_EXPIRY_MS} without a request, as Kafka expires idle
 * quota sensors, so that client ids that come and go (one per short-lived process is common) do not
 * accumulate for the broker's lifetime. Thread-safe.
 */
public final class ClientQuotas {
  /** Kafka's quota sensors expire after an hour of inactivity; so do these meters. */
  static final long IDLE_EXPIRY_MS = 3_600_000;

  private record Key(QuotaType type, QuotaEntity entity) {}

  private final int samples;
  private final long windowMs;
  private final LongSupplier nowMs;
  private final Map<Key, RateWindow> windows = new ConcurrentHashMap<>();
  private volatile ClientQuotaConfigs configs = ClientQuotaConfigs.EMPTY;
  /** When idle meters were last looked for; a sweep runs at most once per window. */
  private volatile long lastSweepMs;

  public ClientQuotas(int samples, long windowMs, LongSupplier nowMs) {
    this.samples = samples;
    this.windowMs = windowMs;
    this.nowMs = nowMs;
  }

  /** Whether any quota is configured: when not, callers skip metering entirely. */
  public boolean enabled() {
    return !configs.isEmpty();
  }

  public ClientQuotaConfigs configs() {
    return configs;
  }

  /** Applies a new set of quotas (from the store, on every change). */
  public void update(ClientQuotaConfigs next) {
    this.configs = next;
  }

  /**
   * Records {@code value} against the quota of {@code type} that applies to the client and returns
   * how long it must wait, in ms (0 when within its quota or when it has none).
   */
  public long record(QuotaType type, String user, String clientId, double value) {
    var resolved = configs.resolve(type, user, clientId);
    if (resolved.isEmpty()) return 0;
    long now = nowMs.getAsLong();
    if (now - lastSweepMs >= windowMs) sweep(now);
    RateWindow w = windows.computeIfAbsent(new Key(type, resolved.get().entity()), k -> new RateWindow(samples, windowMs, now));
    double rate = w.record(value, now);
    return throttleMs(rate, resolved.get().bound(), w.spanMs(now));
  }

  /**
   * For a strict quota (controller mutations): how long the client must wait before it may mutate
   * again, without recording anything; 0 when its rate is within the bound now.
   */
  public long throttleBefore(QuotaType type, String user, String clientId) {
    var resolved = configs.resolve(type, user, clientId);
    if (resolved.isEmpty()) return 0;
    RateWindow w = windows.get(new Key(type, resolved.get().entity()));
    if (w == null) return 0;
    long now = nowMs.getAsLong();
    return throttleMs(w.rate(now), resolved.get().bound(), w.spanMs(now));
  }

  /** How many clients are metered now (for tests and the console). */
  public int meteredCount() {
    return windows.size();
  }

  /**
   * Drops meters idle for longer than {@link #IDLE_EXPIRY_MS}. A request racing the removal of its
   * own meter records into the dropped one and loses that sample: it had been idle an hour, so its
   * rate over the quota window was zero either way.
   */
  private void sweep(long now) {
    lastSweepMs = now;
    windows.values().removeIf(w -> now - w.lastRecordMs() > IDLE_EXPIRY_MS);
  }

  private long throttleMs(double rate, double bound, long spanMs) {
    if (rate <= bound) return 0;
    if (bound <= 0) return samples * windowMs;
    // The wait that brings the rate over the measured span back to the bound.
    double ms = (rate - bound) / bound * spanMs;
    return Math.min((long) Math.ceil(ms), samples * windowMs);
  }
}
