package dev.brook.broker.security;

import java.util.Objects;

/**
 * One access rule, as {@code kafka-acls} writes it: {@code principal} may (ALLOW) or may not (DENY)
 * do {@code operation} on the resources {@code name} matches under {@code patternType}, from
 * {@code host}. {@code principal} is {@code type:name} ({@code User:*} is every user); {@code host}
 * is an IP address or {@code *}. Immutable; equality is the rule's identity (what DeleteAcls removes).
 */
public record Acl(
    ResourceType resourceType,
    PatternType patternType,
    String name,
    String principal,
    String host,
    Operation operation,
    Permission permission) {

  public static final String WILDCARD_RESOURCE = "*";
  public static final String WILDCARD_PRINCIPAL = "User:*";
  public static final String WILDCARD_HOST = "*";

  public Acl {
    Objects.requireNonNull(resourceType);
    Objects.requireNonNull(patternType);
    Objects.requireNonNull(name);
    Objects.requireNonNull(principal);
    Objects.requireNonNull(host);
    Objects.requireNonNull(operation);
    Objects.requireNonNull(permission);
  }

  /**
   * Why this rule cannot be stored, or null if it can: the filter-only values (ANY, MATCH), an empty
   * name, a cluster resource not named {@code kafka-cluster}, a principal without {@code type:}.
   */
  public String invalidReason() {
    if (resourceType == ResourceType.ANY) return "resource type ANY is only for filters";
    if (patternType != PatternType.LITERAL && patternType != PatternType.PREFIXED) {
      return "pattern type " + patternType + " is only for filters";
    }
    if (operation == Operation.ANY) return "operation ANY is only for filters";
    if (permission == Permission.ANY) return "permission type ANY is only for filters";
    if (name.isEmpty()) return "empty resource name";
    if (resourceType == ResourceType.CLUSTER && !name.equals(ResourceType.CLUSTER_NAME)) {
      return "the only valid name for the CLUSTER resource is " + ResourceType.CLUSTER_NAME;
    }
    int colon = principal.indexOf(':');
    if (colon <= 0 || colon == principal.length() - 1) return "principal must be type:name, got " + principal;
    if (host.isEmpty()) return "empty host";
    return null;
  }
}
