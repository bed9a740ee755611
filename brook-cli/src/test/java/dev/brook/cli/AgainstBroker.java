package dev.brook.cli;

import dev.brook.testkit.BrookTestBroker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Base of the black-box ITs: one in-process Brook per class. With {@code
 * -Dbrook.it.bootstrap=host:port} the same tests run against another broker instead (for example
 * the anchor Kafka, to check that an expectation is Kafka's behaviour and not Brook's).
 */
abstract class AgainstBroker {
  static BrookTestBroker brook;
  static String bootstrap;
  static int nodeId;

  @BeforeAll
  static void startBroker() {
    String external = System.getProperty("brook.it.bootstrap", "");
    if (!external.isBlank()) {
      bootstrap = external;
      nodeId = Integer.getInteger("brook.it.nodeId", 1);
      return;
    }
    brook = BrookTestBroker.start();
    bootstrap = brook.bootstrapServers();
    nodeId = brook.broker().nodeId();
  }

  @AfterAll
  static void stopBroker() {
    if (brook != null) brook.close();
    brook = null;
  }
}
