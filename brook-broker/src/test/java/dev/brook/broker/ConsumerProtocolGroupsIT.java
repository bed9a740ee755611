package dev.brook.broker;

import org.junit.jupiter.api.Test;

/**
 * The consumer-group tests again with KIP-848's protocol (group.protocol=consumer): server-side
 * assignment, member epochs, incremental revocation. The session timeout is the broker's
 * group.consumer.session.timeout.ms here.
 */
class ConsumerProtocolGroupsIT extends ConsumerGroupsIT {
  @Override
  protected boolean consumerProtocol() {
    return true;
  }

  @Test
  void groupIsDescribedAsAConsumerProtocolGroup() throws Exception {
    createTopic("kip848", 4);
    Member a = new Member("a", "kip848-g", "kip848", java.util.Map.of(), null);
    Member b = new Member("b", "kip848-g", "kip848", java.util.Map.of(), null);
    awaitBalanced(java.util.List.of(a, b), 4);
    try (org.apache.kafka.clients.admin.Admin admin = admin()) {
      var d = admin.describeConsumerGroups(java.util.List.of("kip848-g")).all().get(30, java.util.concurrent.TimeUnit.SECONDS)
          .get("kip848-g");
      org.assertj.core.api.Assertions.assertThat(d.type()).isEqualTo(org.apache.kafka.common.GroupType.CONSUMER);
      org.assertj.core.api.Assertions.assertThat(d.partitionAssignor()).isEqualTo("uniform");
      org.assertj.core.api.Assertions.assertThat(d.members()).hasSize(2)
          .allSatisfy(m -> org.assertj.core.api.Assertions.assertThat(m.assignment().topicPartitions()).hasSize(2));
    }
  }

  /**
   * Client-side assignors (cooperative-sticky) are a classic-protocol feature; what they give, the
   * consumer protocol gives by itself: a member that joins takes partitions from the others, who
   * revoke only those (never everything, as an eager rebalance does) and keep the rest throughout.
   */
  @Override
  @Test
  void cooperativeStickyGroupRebalancesIncrementally() throws Exception {
    createTopic("coop", 4);
    java.util.Set<org.apache.kafka.common.TopicPartition> revokedFromA = java.util.concurrent.ConcurrentHashMap.newKeySet();
    org.apache.kafka.clients.consumer.ConsumerRebalanceListener recordRevoked =
        new org.apache.kafka.clients.consumer.ConsumerRebalanceListener() {
          @Override
          public void onPartitionsRevoked(java.util.Collection<org.apache.kafka.common.TopicPartition> partitions) {
            revokedFromA.addAll(partitions);
          }

          @Override
          public void onPartitionsAssigned(java.util.Collection<org.apache.kafka.common.TopicPartition> partitions) {}
        };
    Member a = new Member("a", "coop-g", "coop", java.util.Map.of(), recordRevoked);
    awaitBalanced(java.util.List.of(a), 4);
    java.util.Set<org.apache.kafka.common.TopicPartition> before = java.util.Set.copyOf(a.assignment);
    Member b = new Member("b", "coop-g", "coop", java.util.Map.of(), null);
    awaitBalanced(java.util.List.of(a, b), 4);
    org.assertj.core.api.Assertions.assertThat(before).hasSize(4).containsAll(a.assignment);
    // a revoked exactly what b took, and nothing it kept.
    org.assertj.core.api.Assertions.assertThat(revokedFromA).isEqualTo(java.util.Set.copyOf(b.assignment));
    org.assertj.core.api.Assertions.assertThat(revokedFromA).doesNotContainAnyElementsOf(a.assignment);
  }
}
