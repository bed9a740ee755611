package dev.brook.broker.group;

import java.util.Locale;
import java.util.Optional;

/**
 * The states of a classic consumer group, named as Kafka's tools print them.
 *
 * <pre>
 * Empty ──join──▶ PreparingRebalance ──all joined / rebalance timeout──▶ CompletingRebalance
 *   ▲                  ▲      │ (no member left)                             │ leader's SyncGroup
 *   └──────────────────┼──────┘                                              ▼
 *                      └──────────── join, leave, session expiry ─────── Stable
 * Dead: deleted (DeleteGroups, or all offsets of an empty group expired).
 * </pre>
 */
public enum GroupState {
  EMPTY("Empty"),
  PREPARING_REBALANCE("PreparingRebalance"),
  COMPLETING_REBALANCE("CompletingRebalance"),
  STABLE("Stable"),
  DEAD("Dead");

  private final String displayName;

  GroupState(String displayName) {
    this.displayName = displayName;
  }

  /** The name the protocol carries (DescribeGroups, ListGroups). */
  public String displayName() {
    return displayName;
  }

  /** The state named {@code name}, ignoring case, as ListGroups' states filter gives it. */
  public static Optional<GroupState> parse(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    for (GroupState s : values()) {
      if (s.displayName.toLowerCase(Locale.ROOT).equals(n)) return Optional.of(s);
    }
    return Optional.empty();
  }
}
