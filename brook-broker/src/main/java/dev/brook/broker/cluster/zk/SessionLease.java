package dev.brook.broker.cluster.zk;

import java.util.function.LongSupplier;

/**
 * How long this broker may still act on its cluster membership (lead partitions, coordinate groups
 * and transactions) without hearing from ZooKeeper again: a lease on the monotonic clock.
 *
 * <p>The invariant: ZooKeeper expires a session only after it has heard nothing from it for the
 * session timeout, so a request sent at instant {@code t} and answered in the session proves that
 * the session cannot expire, and the controller cannot have given this broker's partitions to others
 * because it died, before {@code t + session timeout}. The lease {@link #holds} until then and no
 * longer. Past it the broker must assume its partitions were moved: it acts as leader again only
 * when ZooKeeper has confirmed its session and its view of the cluster has caught up (the owner
 * checks that before it calls {@link #confirm}).
 *
 * <p>Why the monotonic clock: a stopped process (SIGSTOP, a long pause of the JVM or the VM) cannot
 * see that it was stopped, and its ZooKeeper client notices the lost session only when its own
 * thread runs again; the request threads may run first and serve from the state held before the
 * stop. The elapsed monotonic time survives the stop, so the first check after it already finds the
 * lease lapsed, whichever thread runs first.
 *
 * <p>Thread-safe: {@link #holds} is one volatile read and a clock read, for request threads;
 * {@link #confirm} and {@link #revoke} are serialized on this object.
 */
final class SessionLease {
  private final long durationNanos;
  private final LongSupplier nanoClock;
  /** The lease holds while the clock is before this instant. */
  private volatile long expiresAt;
  /** When the last request ZooKeeper answered in the session was sent (for the log). */
  private volatile long confirmedAt;
  /** The last revocation: a confirmation of a request sent before it proves nothing. Guarded by this. */
  private long revokedAt;

  /**
   * @param durationNanos the session timeout ZooKeeper applies
   * @param nanoClock the monotonic clock ({@code System::nanoTime}; a fake one in tests)
   */
  SessionLease(long durationNanos, LongSupplier nanoClock) {
    if (durationNanos <= 0) throw new IllegalArgumentException("lease duration must be positive: " + durationNanos);
    this.durationNanos = durationNanos;
    this.nanoClock = nanoClock;
    long now = nanoClock.getAsLong();
    this.expiresAt = now; // not held until confirmed
    this.revokedAt = now;
    this.confirmedAt = now;
  }

  /** The monotonic clock's reading now: the instant to pass to {@link #confirm} for a request sent now. */
  long now() {
    return nanoClock.getAsLong();
  }

  /** Whether this broker may act on its membership now. Any thread; cheap. */
  boolean holds() {
    return nanoClock.getAsLong() - expiresAt < 0;
  }

  /**
   * ZooKeeper answered, in this broker's session, a request sent at {@code sentAt} (a {@link #now}
   * reading): the lease holds until {@code sentAt} + the session timeout, unless it was revoked
   * after {@code sentAt} (the answer may predate the revocation) or already holds longer.
   */
  synchronized void confirm(long sentAt) {
    if (sentAt - revokedAt < 0) return;
    if (sentAt - confirmedAt > 0) confirmedAt = sentAt;
    long until = sentAt + durationNanos;
    if (until - expiresAt > 0) expiresAt = until;
  }

  /** The connection was suspended or the session lost: the lease ends now. */
  synchronized void revoke() {
    long now = nanoClock.getAsLong();
    revokedAt = now;
    if (expiresAt - now > 0) expiresAt = now;
  }

  /** Milliseconds since the last request ZooKeeper answered in the session was sent. */
  long sinceConfirmedMillis() {
    return (nanoClock.getAsLong() - confirmedAt) / 1_000_000;
  }

  /** Milliseconds since the lease lapsed (0 while it holds): how long ZooKeeper has not vouched for this broker. */
  long lapsedMillis() {
    long over = nanoClock.getAsLong() - expiresAt;
    return over <= 0 ? 0 : over / 1_000_000;
  }
}
