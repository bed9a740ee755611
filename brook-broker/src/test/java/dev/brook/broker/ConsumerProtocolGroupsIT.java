package dev.brook.broker;

import org.junit.jupiter.api.Disabled;
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

  @Override
  @Test
  @Disabled("client-side assignors (cooperative-sticky) are a classic-protocol feature")
  void cooperativeStickyGroupRebalancesIncrementally() {}
}
