package dev.brook.broker.api;

/**
 * Which topics a request may touch, decided by the authorization rule in front of a handler that
 * only finds its topics while it serves the request: the partitions a fetch session holds beyond
 * those the request names, the topics a subscription regex matches. Such a handler cannot be
 * filtered beforehand as the others are ({@link TopicRules}), so the rule hands it this gate
 * ({@link GatedHandler}). Any thread.
 */
public interface TopicGate {
  /** Every topic: no authorizer configured. */
  TopicGate OPEN = new TopicGate() {
    @Override
    public boolean allows(String topic) {
      return true;
    }

    @Override
    public Object decisionKey() {
      return this;
    }
  };

  boolean allows(String topic);

  /**
   * What the decisions depend on (the principal, its address, the operation, the ACLs' version):
   * a decision cached under a key stays valid for as long as the gate's key is equal to it.
   */
  Object decisionKey();
}
