package dev.brook.broker.security;

/**
 * Which ACLs DescribeAcls lists and DeleteAcls removes: each field either a value or "any"
 * (null for the strings, ANY for the enums). {@link PatternType#MATCH} selects the patterns that
 * apply to {@code name}: the literal name, the literal {@code *}, and every prefix of it.
 */
public record AclFilter(
    ResourceType resourceType,
    PatternType patternType,
    String name,
    String principal,
    String host,
    Operation operation,
    Permission permission) {

  public static final AclFilter ANY = new AclFilter(ResourceType.ANY, PatternType.ANY, null, null, null,
      Operation.ANY, Permission.ANY);

  public boolean matches(Acl acl) {
    if (resourceType != ResourceType.ANY && resourceType != acl.resourceType()) return false;
    if (!patternMatches(acl)) return false;
    if (principal != null && !principal.equals(acl.principal())) return false;
    if (host != null && !host.equals(acl.host())) return false;
    if (operation != Operation.ANY && operation != acl.operation()) return false;
    return permission == Permission.ANY || permission == acl.permission();
  }

  private boolean patternMatches(Acl acl) {
    return switch (patternType) {
      case ANY -> name == null || name.equals(acl.name());
      case LITERAL, PREFIXED -> patternType == acl.patternType() && (name == null || name.equals(acl.name()));
      case MATCH -> name == null
          || (acl.patternType() == PatternType.LITERAL
              && (acl.name().equals(name) || acl.name().equals(Acl.WILDCARD_RESOURCE)))
          || (acl.patternType() == PatternType.PREFIXED && name.startsWith(acl.name()));
    };
  }
}
