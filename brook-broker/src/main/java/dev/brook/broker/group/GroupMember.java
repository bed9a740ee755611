package dev.brook.broker.group;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.SyncGroupResponseData;

/**
 * One member of a classic group: its identity, its supported protocols, its assignment and the
 * JoinGroup / SyncGroup response it is waiting for. Mutable; owned by the coordinator thread.
 */
final class GroupMember {
  /** A protocol the member supports (for consumers: an assignor name and the subscription). */
  record Protocol(String name, byte[] metadata) {}

  String memberId;
  final String groupInstanceId;
  String clientId;
  String clientHost;
  int rebalanceTimeoutMs;
  int sessionTimeoutMs;
  String protocolType;
  List<Protocol> protocols;
  byte[] assignment = new byte[0];

  CompletableFuture<JoinGroupResponseData> awaitingJoin;
  short joinVersion;
  CompletableFuture<SyncGroupResponseData> awaitingSync;
  boolean isNew;
  /** Stable, but this member has not yet fetched its assignment with SyncGroup. */
  boolean pendingSync;

  /** Bumped whenever the session timer is re-armed; a firing timer with an older value is stale. */
  long heartbeatEpoch;
  GroupScheduler.Cancellable heartbeatTimer = GroupScheduler.Cancellable.NONE;

  GroupMember(
      String memberId,
      String groupInstanceId,
      String clientId,
      String clientHost,
      int rebalanceTimeoutMs,
      int sessionTimeoutMs,
      String protocolType,
      List<Protocol> protocols) {
    this.memberId = memberId;
    this.groupInstanceId = groupInstanceId;
    this.clientId = clientId;
    this.clientHost = clientHost;
    this.rebalanceTimeoutMs = rebalanceTimeoutMs;
    this.sessionTimeoutMs = sessionTimeoutMs;
    this.protocolType = protocolType;
    this.protocols = protocols;
  }

  boolean isStatic() {
    return groupInstanceId != null;
  }

  /** The metadata this member sent for {@code protocol}, or null if it does not support it. */
  byte[] metadata(String protocol) {
    for (Protocol p : protocols) {
      if (p.name().equals(protocol)) return p.metadata();
    }
    return null;
  }

  boolean supports(String protocol) {
    return metadata(protocol) != null;
  }

  /** Whether {@code other} lists the same protocols, in the same order, with the same metadata. */
  boolean sameProtocols(List<Protocol> other) {
    if (other.size() != protocols.size()) return false;
    for (int i = 0; i < other.size(); i++) {
      Protocol a = protocols.get(i);
      Protocol b = other.get(i);
      if (!a.name().equals(b.name()) || !Arrays.equals(a.metadata(), b.metadata())) return false;
    }
    return true;
  }
}
