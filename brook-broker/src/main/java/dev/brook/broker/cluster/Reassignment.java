package dev.brook.broker.cluster;

import java.util.List;

/**
 * A pending partition reassignment: the replicas wanted ({@code target}) and those the partition
 * had when the reassignment began ({@code original}; a cancellation goes back to them). Immutable.
 */
public record Reassignment(List<Integer> target, List<Integer> original) {
  public Reassignment {
    target = List.copyOf(target);
    original = List.copyOf(original);
  }
}
