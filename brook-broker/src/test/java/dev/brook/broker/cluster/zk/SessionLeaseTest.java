package dev.brook.broker.cluster.zk;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The lease on the monotonic clock that a broker needs to act as leader or coordinator. */
class SessionLeaseTest {
  private static final long SESSION = TimeUnit.SECONDS.toNanos(6);
  private final AtomicLong clock = new AtomicLong(1_000_000_000L);
  private final SessionLease lease = new SessionLease(SESSION, clock::get);

  private void advanceMs(long ms) {
    clock.addAndGet(TimeUnit.MILLISECONDS.toNanos(ms));
  }

  @Test
  void notHeldUntilZooKeeperConfirms() {
    assertThat(lease.holds()).isFalse();
    lease.confirm(lease.now());
    assertThat(lease.holds()).isTrue();
  }

  @Test
  void holdsForTheSessionTimeoutFromWhenTheConfirmedRequestWasSent() {
    long sent = lease.now();
    advanceMs(200); // the answer took 200 ms
    lease.confirm(sent);
    advanceMs(5_799);
    assertThat(lease.holds()).isTrue();
    advanceMs(1);
    assertThat(lease.holds()).as("6 s after the request was sent, ZooKeeper may have expired the session").isFalse();
  }

  @Test
  void aStopLongerThanTheSessionIsSeenByTheFirstCheckAfterIt() {
    lease.confirm(lease.now());
    advanceMs(8_000); // SIGSTOP for 8 s: no thread ran, nothing was revoked
    assertThat(lease.holds()).isFalse();
    assertThat(lease.lapsedMillis()).isEqualTo(2_000);
    assertThat(lease.sinceConfirmedMillis()).isEqualTo(8_000);
  }

  @Test
  void anAnswerToARequestSentBeforeARevocationDoesNotGrantItAgain() {
    lease.confirm(lease.now());
    long sentBefore = lease.now();
    advanceMs(10);
    lease.revoke(); // SUSPENDED
    assertThat(lease.holds()).isFalse();
    lease.confirm(sentBefore);
    assertThat(lease.holds()).isFalse();
    advanceMs(10);
    lease.confirm(lease.now());
    assertThat(lease.holds()).isTrue();
  }

  @Test
  void anOlderConfirmationNeverShortensTheLease() {
    long older = lease.now();
    advanceMs(1_000);
    lease.confirm(lease.now());
    lease.confirm(older); // answered late, out of order
    advanceMs(5_500);
    assertThat(lease.holds()).isTrue();
  }
}
