package dev.brook.broker.network;

import io.netty.channel.Channel;

/**
 * Whether a connection reads from its socket: it does unless some reason holds it back — too many
 * requests in flight, no request memory, a quota's throttle. Each reason is set and cleared by its
 * owner alone; reading resumes only when none is left, so one owner cannot resume reading that
 * another stopped. Confined to the connection's event loop.
 */
final class ReadGate {
  static final int IN_FLIGHT = 1;
  static final int MEMORY = 2;
  static final int THROTTLED = 4;
  /** A failed authentication waits out connection.failed.authentication.delay.ms; never reopened. */
  static final int AUTHENTICATION_FAILED = 8;

  private final Channel channel;
  private int reasons;

  ReadGate(Channel channel) {
    this.channel = channel;
  }

  void close(int reason) {
    if (reasons == 0) channel.config().setAutoRead(false);
    reasons |= reason;
  }

  void open(int reason) {
    if ((reasons & reason) == 0) return;
    reasons &= ~reason;
    if (reasons == 0) channel.config().setAutoRead(true);
  }

  /** Whether any reason holds reading back. */
  boolean isClosed() {
    return reasons != 0;
  }

  boolean isClosed(int reason) {
    return (reasons & reason) != 0;
  }
}
