package dev.brook.broker.quota;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ClientQuotasTest {
  private static final String D = QuotaEntity.DEFAULT;
  private final AtomicLong now = new AtomicLong(1_000_000);
  private final ClientQuotas quotas = new ClientQuotas(11, 1000, now::get);

  private static ClientQuotaConfigs configs(Object... entityThenRate) {
    Map<QuotaEntity, Map<QuotaType, Double>> m = new java.util.HashMap<>();
    for (int i = 0; i < entityThenRate.length; i += 2) {
      m.put((QuotaEntity) entityThenRate[i], Map.of(QuotaType.PRODUCE, (Double) entityThenRate[i + 1]));
    }
    return new ClientQuotaConfigs(m);
  }

  @Test
  void theMostSpecificEntityWinsInKafkasOrder() {
    ClientQuotaConfigs c = configs(
        new QuotaEntity("alice", "app"), 1.0, new QuotaEntity("alice", D), 2.0, new QuotaEntity("alice", null), 3.0,
        new QuotaEntity(D, "app"), 4.0, new QuotaEntity(D, D), 5.0, new QuotaEntity(D, null), 6.0,
        new QuotaEntity(null, "app"), 7.0, new QuotaEntity(null, D), 8.0);
    assertThat(c.quota(QuotaType.PRODUCE, "alice", "app").getAsDouble()).isEqualTo(1.0);
    assertThat(c.quota(QuotaType.PRODUCE, "alice", "other").getAsDouble()).isEqualTo(2.0);
    assertThat(c.quota(QuotaType.PRODUCE, "bob", "app").getAsDouble()).isEqualTo(4.0);
    assertThat(c.quota(QuotaType.PRODUCE, "bob", "other").getAsDouble()).isEqualTo(5.0);
    assertThat(c.quota(QuotaType.FETCH, "alice", "app")).as("each type resolves on its own").isEmpty();

    ClientQuotaConfigs clientsOnly = configs(new QuotaEntity(null, "app"), 7.0, new QuotaEntity(null, D), 8.0);
    assertThat(clientsOnly.quota(QuotaType.PRODUCE, "alice", "app").getAsDouble()).isEqualTo(7.0);
    assertThat(clientsOnly.quota(QuotaType.PRODUCE, "alice", "x").getAsDouble()).isEqualTo(8.0);
    assertThat(configs(new QuotaEntity("alice", null), 3.0).quota(QuotaType.PRODUCE, "bob", "x")).isEmpty();
  }

  @Test
  void aDefaultMetersEachClientOnItsOwn() {
    quotas.update(configs(new QuotaEntity(null, D), 1000.0));
    // 11 windows of 1 s: 10,000 bytes at once is 1,000 bytes/s over the 10 s the rate is measured over.
    assertThat(quotas.record(QuotaType.PRODUCE, "u", "a", 10_000)).isZero();
    assertThat(quotas.record(QuotaType.PRODUCE, "u", "b", 10_000)).as("b has its own rate").isZero();
    assertThat(quotas.record(QuotaType.PRODUCE, "u", "a", 10_000)).as("a is over").isPositive();
  }

  @Test
  void theThrottleIsTheWaitThatBringsTheRateBackToTheBound() {
    quotas.update(configs(new QuotaEntity(null, "app"), 1000.0));
    // 2,000 B/s over the 10 s measured: (rate - bound) / bound * span = (2000 - 1000) / 1000 * 10 s.
    assertThat(quotas.record(QuotaType.PRODUCE, "u", "app", 20_000)).isEqualTo(10_000);
  }

  @Test
  void aClientThatWaitsAsToldGetsItsQuota() {
    quotas.update(configs(new QuotaEntity(null, "app"), 100_000.0));
    long start = now.get();
    double sent = 0;
    while (now.get() - start < 120_000) { // two minutes of a client sending 64 KB every 10 ms, as fast as allowed
      long throttle = quotas.record(QuotaType.PRODUCE, "u", "app", 65_536);
      sent += 65_536;
      now.addAndGet(Math.max(10, throttle));
    }
    double rate = sent * 1000 / (now.get() - start);
    assertThat(rate).isBetween(85_000.0, 115_000.0);
  }

  @Test
  void metersOfClientsIdleForAnHourAreDropped() {
    quotas.update(configs(new QuotaEntity(null, D), 1000.0));
    for (int i = 0; i < 100; i++) quotas.record(QuotaType.PRODUCE, "u", "short-lived-" + i, 10);
    quotas.record(QuotaType.PRODUCE, "u", "steady", 10);
    assertThat(quotas.meteredCount()).isEqualTo(101);
    for (int minute = 0; minute < 61; minute++) { // "steady" sends every minute, the others never again
      now.addAndGet(60_000);
      quotas.record(QuotaType.PRODUCE, "u", "steady", 10);
    }
    assertThat(quotas.meteredCount()).as("only the client still sending is metered").isEqualTo(1);
  }

  @Test
  void theStrictCheckRecordsNothing() {
    quotas.update(new ClientQuotaConfigs(Map.of(new QuotaEntity(null, "app"), Map.of(QuotaType.CONTROLLER_MUTATION, 1.0))));
    assertThat(quotas.throttleBefore(QuotaType.CONTROLLER_MUTATION, "u", "app")).isZero();
    quotas.record(QuotaType.CONTROLLER_MUTATION, "u", "app", 50);
    assertThat(quotas.throttleBefore(QuotaType.CONTROLLER_MUTATION, "u", "app")).isPositive();
  }

  @Test
  void noQuotaNoMetering() {
    assertThat(quotas.enabled()).isFalse();
    assertThat(quotas.record(QuotaType.PRODUCE, "u", "app", 1e12)).isZero();
  }
}
