package dev.brook.broker.replica;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The cluster allocator's producer-id floor: a promoted mirror topic's source ids are never handed out. */
class ProducerIdManagerTest {
  /** A cluster's block claims, as ZooKeeper's /latest_producer_id_block keeps them. */
  private final AtomicLong clusterBlockEnd = new AtomicLong(-1);
  private final AtomicLong floor = new AtomicLong(-1);

  private long claim(long size) {
    return clusterBlockEnd.getAndAdd(size) + 1;
  }

  /** What a promote does: the cluster's block end raised first, then the floor. */
  private void promoteWithSourceIdsThrough(long maxSourceId) {
    clusterBlockEnd.accumulateAndGet(maxSourceId, Math::max);
    floor.accumulateAndGet(maxSourceId, Math::max);
  }

  @Test
  void idsAfterAPromoteSkipTheMirroredOnesInABlockClaimedBefore() throws Exception {
    ProducerIdManager ids = ProducerIdManager.fromBlocks(this::claim, floor::get);
    assertThat(ids.nextProducerId()).isZero(); // claims [0, 999]
    assertThat(ids.nextProducerId()).isEqualTo(1);
    promoteWithSourceIdsThrough(49); // the source's producers were 0..49
    assertThat(ids.nextProducerId()).isEqualTo(50);
    assertThat(ids.nextProducerId()).isEqualTo(51);
  }

  @Test
  void aFloorPastTheBlockMakesTheNextIdComeFromANewBlockAboveIt() throws Exception {
    ProducerIdManager ids = ProducerIdManager.fromBlocks(this::claim, floor::get);
    assertThat(ids.nextProducerId()).isZero();
    promoteWithSourceIdsThrough(5_000);
    long next = ids.nextProducerId();
    assertThat(next).isGreaterThan(5_000);
    assertThat(ids.nextProducerId()).isEqualTo(next + 1);
  }

  @Test
  void withoutAFloorIdsRunThroughTheBlock() throws Exception {
    ProducerIdManager ids = ProducerIdManager.fromBlocks(this::claim);
    for (long i = 0; i < 1_500; i++) assertThat(ids.nextProducerId()).isEqualTo(i);
  }
}
