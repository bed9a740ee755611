package dev.brook.broker.mirror;

import dev.brook.broker.group.GroupCoordinator;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.OffsetCommitRequest;
import org.apache.kafka.common.requests.OffsetCommitResponse;

/**
 * Where the {@link GroupOffsetCopier}s' commits go: this broker's {@link GroupCoordinator}, or in a
 * cluster an OffsetCommit (v8) over the inter-broker listener to the broker that coordinates the
 * group now.
 *
 * <p>Why the partition's leader sends, rather than the coordinator's broker fetching: only the
 * leader knows whether the mirror already holds an offset (its log end), and an offset past the
 * mirror's end would send a failed-over group out of range; the leader already reads the source's
 * groups for its partitions, and the coordinator would otherwise have to ask every leader for its log
 * ends and read the source a second time. The coordinator treats it as any memberless commit
 * (refused while the group has members here, so a failed-over group keeps its own commits).
 *
 * <p>Used on the manager's thread only, which owns the connections to the other brokers (opened on
 * first use, closed by {@link #close}).
 */
final class CoordinatorCommits implements GroupOffsetCopier.Coordinators {
  private final GroupCoordinator groups;
  private final BooleanSupplier offsetsTopicReady;
  /** Cluster mode: the other brokers; null on a single node. */
  private final MirrorManager.Peers peers;
  private final int peerTimeoutMs;
  private PeerConnections peerCalls;

  /**
   * @param offsetsTopicReady whether __consumer_offsets exists (it starts its creation when not, as a
   *     FindCoordinator would): copied group offsets go there
   * @param peers cluster mode: the other brokers; null on a single node
   */
  CoordinatorCommits(GroupCoordinator groups, BooleanSupplier offsetsTopicReady, MirrorManager.Peers peers, int peerTimeoutMs) {
    this.groups = groups;
    this.offsetsTopicReady = offsetsTopicReady;
    this.peers = peers;
    this.peerTimeoutMs = peerTimeoutMs;
  }

  @Override
  public Errors availability(String group) {
    if (!offsetsTopicReady.getAsBoolean()) return Errors.COORDINATOR_NOT_AVAILABLE; // its creation has begun
    Errors here = groups.checkAvailable(group);
    // Not coordinated here means coordinated elsewhere only in a cluster.
    return here == Errors.NOT_COORDINATOR && peers == null ? Errors.COORDINATOR_NOT_AVAILABLE : here;
  }

  @Override
  public OffsetCommitResponseData commitHere(OffsetCommitRequestData req) throws InterruptedException, ExecutionException, TimeoutException {
    return groups.commitOffsets(req, (short) 8).get(10, TimeUnit.SECONDS);
  }

  @Override
  public OffsetCommitResponseData commitElsewhere(String group, OffsetCommitRequestData req) throws IOException {
    Optional<Integer> coordinator = peers.groupCoordinator().apply(group);
    if (coordinator.isEmpty() || coordinator.get() == peers.state().localBrokerId()) return null;
    AbstractResponse r = peerCalls().call(coordinator.get(), OffsetCommitRequest.Builder.forTopicNames(req).build((short) 8));
    return ((OffsetCommitResponse) r).data();
  }

  private PeerConnections peerCalls() {
    if (peerCalls == null) {
      peerCalls = new PeerConnections(peers.state()::broker, peers.connector(), "brook-mirror-offsets-" + peers.state().localBrokerId(),
          peerTimeoutMs);
    }
    return peerCalls;
  }

  /** Closes the connections to the other brokers. Manager thread. */
  void close() {
    if (peerCalls != null) peerCalls.close();
  }
}
