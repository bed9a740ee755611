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

  @Override
  @Test
  @Disabled("client-side assignors (cooperative-sticky) are a classic-protocol feature")
  void cooperativeStickyGroupRebalancesIncrementally() {}

  @Override
  @Test
  @Disabled("static membership is implemented for the classic protocol only")
  void staticMemberRestartKeepsItsPartitions() {}
}
