package dev.brook.broker.security;

import static dev.brook.broker.security.Operation.*;
import static dev.brook.broker.security.PatternType.LITERAL;
import static dev.brook.broker.security.PatternType.PREFIXED;
import static dev.brook.broker.security.Permission.ALLOW;
import static dev.brook.broker.security.Permission.DENY;
import static dev.brook.broker.security.ResourceType.CLUSTER;
import static dev.brook.broker.security.ResourceType.GROUP;
import static dev.brook.broker.security.ResourceType.TOPIC;
import static dev.brook.broker.security.ResourceType.TRANSACTIONAL_ID;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.brook.broker.config.BrokerConfig;
import dev.brook.broker.config.ConfigException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.junit.jupiter.api.Test;

/** Kafka's ACL semantics, case by case: each row is ACLs, a request, and Kafka's answer. */
class AuthorizerTest {
  static final KafkaPrincipal ALICE = new KafkaPrincipal("User", "alice");
  static final KafkaPrincipal BOB = new KafkaPrincipal("User", "bob");
  static final KafkaPrincipal ADMIN = new KafkaPrincipal("User", "admin");
  static final InetAddress HOST1 = ip("10.0.0.1");
  static final InetAddress HOST2 = ip("10.0.0.2");

  static InetAddress ip(String s) {
    try {
      return InetAddress.getByName(s);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  static Acl acl(ResourceType t, PatternType p, String name, String principal, String host, Operation op, Permission perm) {
    return new Acl(t, p, name, principal, host, op, perm);
  }

  static Acl allow(ResourceType t, String name, String principal, Operation op) {
    return acl(t, LITERAL, name, principal, "*", op, ALLOW);
  }

  static Acl deny(ResourceType t, String name, String principal, Operation op) {
    return acl(t, LITERAL, name, principal, "*", op, DENY);
  }

  record Case(String why, List<Acl> acls, KafkaPrincipal who, InetAddress from, Operation op, ResourceType type,
      String name, boolean expected) {}

  static Case c(String why, List<Acl> acls, KafkaPrincipal who, Operation op, ResourceType type, String name, boolean expected) {
    return new Case(why, acls, who, HOST1, op, type, name, expected);
  }

  static final List<Case> CASES = List.of(
      c("no ACL at all: denied by default", List.of(), ALICE, READ, TOPIC, "t", false),
      c("super user without any ACL", List.of(), ADMIN, READ, TOPIC, "t", true),
      c("super user despite a DENY", List.of(deny(TOPIC, "t", "User:admin", ALL)), ADMIN, WRITE, TOPIC, "t", true),
      c("literal ALLOW READ", List.of(allow(TOPIC, "t", "User:alice", READ)), ALICE, READ, TOPIC, "t", true),
      c("literal ALLOW is for that name only", List.of(allow(TOPIC, "t", "User:alice", READ)), ALICE, READ, TOPIC, "t2", false),
      c("literal ALLOW is for that principal only", List.of(allow(TOPIC, "t", "User:alice", READ)), BOB, READ, TOPIC, "t", false),
      c("ALLOW READ does not allow WRITE", List.of(allow(TOPIC, "t", "User:alice", READ)), ALICE, WRITE, TOPIC, "t", false),
      c("READ implies DESCRIBE", List.of(allow(TOPIC, "t", "User:alice", READ)), ALICE, DESCRIBE, TOPIC, "t", true),
      c("WRITE implies DESCRIBE", List.of(allow(TOPIC, "t", "User:alice", WRITE)), ALICE, DESCRIBE, TOPIC, "t", true),
      c("DELETE implies DESCRIBE", List.of(allow(TOPIC, "t", "User:alice", DELETE)), ALICE, DESCRIBE, TOPIC, "t", true),
      c("ALTER implies DESCRIBE", List.of(allow(TOPIC, "t", "User:alice", ALTER)), ALICE, DESCRIBE, TOPIC, "t", true),
      c("CREATE does not imply DESCRIBE", List.of(allow(TOPIC, "t", "User:alice", CREATE)), ALICE, DESCRIBE, TOPIC, "t", false),
      c("ALTER_CONFIGS implies DESCRIBE_CONFIGS", List.of(allow(TOPIC, "t", "User:alice", ALTER_CONFIGS)), ALICE, DESCRIBE_CONFIGS, TOPIC, "t", true),
      c("DESCRIBE does not imply READ", List.of(allow(TOPIC, "t", "User:alice", DESCRIBE)), ALICE, READ, TOPIC, "t", false),
      c("ALL allows any operation", List.of(allow(TOPIC, "t", "User:alice", ALL)), ALICE, ALTER_CONFIGS, TOPIC, "t", true),
      c("DENY wins over ALLOW", List.of(allow(TOPIC, "t", "User:alice", READ), deny(TOPIC, "t", "User:alice", READ)), ALICE, READ, TOPIC, "t", false),
      c("DENY ALL denies READ", List.of(allow(TOPIC, "t", "User:alice", READ), deny(TOPIC, "t", "User:alice", ALL)), ALICE, READ, TOPIC, "t", false),
      c("DENY READ does not deny DESCRIBE (no implication for DENY)",
          List.of(allow(TOPIC, "t", "User:alice", DESCRIBE), deny(TOPIC, "t", "User:alice", READ)), ALICE, DESCRIBE, TOPIC, "t", true),
      c("DENY READ leaves WRITE allowed", List.of(allow(TOPIC, "t", "User:alice", ALL), deny(TOPIC, "t", "User:alice", READ)), ALICE, WRITE, TOPIC, "t", true),
      c("DENY of another principal does not apply", List.of(allow(TOPIC, "t", "User:alice", READ), deny(TOPIC, "t", "User:bob", READ)), ALICE, READ, TOPIC, "t", true),
      c("wildcard principal User:* allows everyone", List.of(allow(TOPIC, "t", "User:*", READ)), BOB, READ, TOPIC, "t", true),
      c("wildcard principal DENY denies everyone", List.of(allow(TOPIC, "t", "User:alice", READ), deny(TOPIC, "t", "User:*", READ)), ALICE, READ, TOPIC, "t", false),
      c("wildcard resource * covers every name", List.of(allow(TOPIC, "*", "User:alice", READ)), ALICE, READ, TOPIC, "anything", true),
      c("DENY on * beats a literal ALLOW", List.of(allow(TOPIC, "t", "User:alice", READ), deny(TOPIC, "*", "User:alice", READ)), ALICE, READ, TOPIC, "t", false),
      c("prefixed ALLOW covers names with the prefix", List.of(acl(TOPIC, PREFIXED, "fin-", "User:alice", "*", READ, ALLOW)), ALICE, READ, TOPIC, "fin-ledger", true),
      c("prefixed ALLOW covers the prefix itself", List.of(acl(TOPIC, PREFIXED, "fin-", "User:alice", "*", READ, ALLOW)), ALICE, READ, TOPIC, "fin-", true),
      c("prefixed ALLOW does not cover other names", List.of(acl(TOPIC, PREFIXED, "fin-", "User:alice", "*", READ, ALLOW)), ALICE, READ, TOPIC, "fi", false),
      c("prefixed * is a prefix, not a wildcard", List.of(acl(TOPIC, PREFIXED, "*", "User:alice", "*", READ, ALLOW)), ALICE, READ, TOPIC, "t", false),
      c("nested prefixes: the shorter DENY wins", List.of(acl(TOPIC, PREFIXED, "f", "User:alice", "*", READ, DENY), acl(TOPIC, PREFIXED, "fin-", "User:alice", "*", READ, ALLOW), acl(TOPIC, PREFIXED, "fa", "User:alice", "*", READ, ALLOW)), ALICE, READ, TOPIC, "fin-x", false),
      c("nested prefixes: the shorter ALLOW found past a longer non-matching one", List.of(acl(TOPIC, PREFIXED, "fin", "User:alice", "*", READ, ALLOW), acl(TOPIC, PREFIXED, "fin-a", "User:alice", "*", READ, DENY), acl(TOPIC, PREFIXED, "fin-b", "User:alice", "*", READ, DENY)), ALICE, READ, TOPIC, "fin-ax", false),
      c("prefixes sorted between: fin- allows fin-z", List.of(acl(TOPIC, PREFIXED, "fin-", "User:alice", "*", READ, ALLOW), acl(TOPIC, PREFIXED, "fin-a", "User:bob", "*", READ, ALLOW), acl(TOPIC, PREFIXED, "fin-y", "User:bob", "*", READ, ALLOW)), ALICE, READ, TOPIC, "fin-z", true),
      c("prefixed DENY beats literal ALLOW", List.of(allow(TOPIC, "fin-ledger", "User:alice", READ), acl(TOPIC, PREFIXED, "fin-", "User:alice", "*", READ, DENY)), ALICE, READ, TOPIC, "fin-ledger", false),
      c("literal DENY beats prefixed ALLOW", List.of(acl(TOPIC, PREFIXED, "fin-", "User:alice", "*", READ, ALLOW), deny(TOPIC, "fin-ledger", "User:alice", READ)), ALICE, READ, TOPIC, "fin-ledger", false),
      c("literal DENY on one name leaves the prefix's others", List.of(acl(TOPIC, PREFIXED, "fin-", "User:alice", "*", READ, ALLOW), deny(TOPIC, "fin-ledger", "User:alice", READ)), ALICE, READ, TOPIC, "fin-other", true),
      c("host: exact IP matches", List.of(acl(TOPIC, LITERAL, "t", "User:alice", "10.0.0.1", READ, ALLOW)), ALICE, READ, TOPIC, "t", true),
      new Case("host: another IP does not match", List.of(acl(TOPIC, LITERAL, "t", "User:alice", "10.0.0.1", READ, ALLOW)), ALICE, HOST2, READ, TOPIC, "t", false),
      new Case("host: DENY from one host only", List.of(allow(TOPIC, "t", "User:alice", READ), acl(TOPIC, LITERAL, "t", "User:alice", "10.0.0.2", READ, DENY)), ALICE, HOST2, READ, TOPIC, "t", false),
      c("host: DENY from another host does not apply", List.of(allow(TOPIC, "t", "User:alice", READ), acl(TOPIC, LITERAL, "t", "User:alice", "10.0.0.2", READ, DENY)), ALICE, READ, TOPIC, "t", true),
      c("host: a host name never matches", List.of(acl(TOPIC, LITERAL, "t", "User:alice", "localhost", READ, ALLOW)), ALICE, READ, TOPIC, "t", false),
      c("resource types are separate: group ACL, topic asked", List.of(allow(GROUP, "t", "User:alice", READ)), ALICE, READ, TOPIC, "t", false),
      c("group READ", List.of(allow(GROUP, "g", "User:alice", READ)), ALICE, READ, GROUP, "g", true),
      c("cluster CLUSTER_ACTION", List.of(allow(CLUSTER, "kafka-cluster", "User:broker", CLUSTER_ACTION)), new KafkaPrincipal("User", "broker"), CLUSTER_ACTION, CLUSTER, "kafka-cluster", true),
      c("cluster ALTER does not give CLUSTER_ACTION", List.of(allow(CLUSTER, "kafka-cluster", "User:alice", ALTER)), ALICE, CLUSTER_ACTION, CLUSTER, "kafka-cluster", false),
      c("transactional id WRITE implies DESCRIBE", List.of(allow(TRANSACTIONAL_ID, "tx", "User:alice", WRITE)), ALICE, DESCRIBE, TRANSACTIONAL_ID, "tx", true),
      c("principal type matters", List.of(allow(TOPIC, "t", "Group:alice", READ)), ALICE, READ, TOPIC, "t", false),
      c("ACLs of others on the resource: no fallback to allow-everyone", List.of(allow(TOPIC, "t", "User:bob", READ)), ALICE, READ, TOPIC, "t", false));

  @Test
  void kafkaSemanticsTable() {
    List<String> wrong = new ArrayList<>();
    for (Case k : CASES) {
      Authorizer a = new Authorizer(List.of("User:admin"), false);
      a.replaceAcls(k.acls());
      boolean got = a.authorize(k.who(), k.from(), k.op(), k.type(), k.name());
      if (got != k.expected()) wrong.add(k.why() + ": expected " + k.expected() + ", got " + got);
    }
    assertThat(wrong).isEmpty();
  }

  @Test
  void prefixLookupFindsEveryCoveringPrefixLikeAScanWould() {
    // The index's binary search against the obvious model (startsWith over every prefix).
    java.util.Random random = new java.util.Random(17);
    for (int round = 0; round < 200; round++) {
      List<Acl> acls = new ArrayList<>();
      List<String> denied = new ArrayList<>();
      List<String> allowed = new ArrayList<>();
      for (int i = 0; i < 1 + random.nextInt(12); i++) {
        String prefix = word(random, 1 + random.nextInt(4));
        boolean deny = random.nextInt(4) == 0;
        (deny ? denied : allowed).add(prefix);
        acls.add(acl(TOPIC, PREFIXED, prefix, "User:alice", "*", READ, deny ? DENY : ALLOW));
      }
      Authorizer a = new Authorizer(List.of(), false);
      a.replaceAcls(acls);
      for (int j = 0; j < 50; j++) {
        String name = word(random, 1 + random.nextInt(6));
        boolean model = denied.stream().noneMatch(name::startsWith) && allowed.stream().anyMatch(name::startsWith);
        assertThat(a.authorize(ALICE, HOST1, READ, TOPIC, name)).as(name + " with " + acls).isEqualTo(model);
      }
    }
  }

  private static String word(java.util.Random random, int length) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < length; i++) sb.append("abc-".charAt(random.nextInt(4)));
    return sb.toString();
  }

  @Test
  void allowEveryoneIfNoAclFoundAppliesOnlyToResourcesNoAclCovers() {
    Authorizer a = new Authorizer(List.of(), true);
    a.replaceAcls(List.of(allow(TOPIC, "guarded", "User:bob", READ), acl(TOPIC, PREFIXED, "fin-", "User:bob", "*", READ, ALLOW)));
    assertThat(a.authorize(ALICE, HOST1, READ, TOPIC, "open")).isTrue();
    assertThat(a.authorize(ALICE, HOST1, READ, TOPIC, "guarded")).isFalse();
    assertThat(a.authorize(ALICE, HOST1, READ, TOPIC, "fin-x")).as("a prefix covers it").isFalse();
    assertThat(a.authorize(ALICE, HOST1, READ, GROUP, "guarded")).as("other type, no ACL").isTrue();
  }

  @Test
  void authorizeByResourceTypeFollowsKafka() {
    Authorizer a = new Authorizer(List.of("User:admin"), false);
    assertThat(a.authorizeByResourceType(ALICE, HOST1, WRITE, TOPIC)).as("no ACL").isFalse();
    assertThat(a.authorizeByResourceType(ADMIN, HOST1, WRITE, TOPIC)).as("super user").isTrue();
    a.replaceAcls(List.of(allow(TOPIC, "t", "User:alice", WRITE)));
    assertThat(a.authorizeByResourceType(ALICE, HOST1, WRITE, TOPIC)).as("WRITE on one topic").isTrue();
    assertThat(a.authorizeByResourceType(BOB, HOST1, WRITE, TOPIC)).isFalse();
    a.replaceAcls(List.of(allow(TOPIC, "t", "User:alice", WRITE), deny(TOPIC, "t", "User:alice", WRITE)));
    assertThat(a.authorizeByResourceType(ALICE, HOST1, WRITE, TOPIC)).as("denied on that very topic").isFalse();
    a.replaceAcls(List.of(allow(TOPIC, "fin-ledger", "User:alice", WRITE), acl(TOPIC, PREFIXED, "fin", "User:alice", "*", WRITE, DENY)));
    assertThat(a.authorizeByResourceType(ALICE, HOST1, WRITE, TOPIC)).as("a dominant DENY prefix").isFalse();
    a.replaceAcls(List.of(allow(TOPIC, "t", "User:alice", WRITE), deny(TOPIC, "*", "User:alice", WRITE)));
    assertThat(a.authorizeByResourceType(ALICE, HOST1, WRITE, TOPIC)).as("DENY on *").isFalse();
    a.replaceAcls(List.of(acl(TOPIC, PREFIXED, "app-", "User:alice", "*", ALL, ALLOW)));
    assertThat(a.authorizeByResourceType(ALICE, HOST1, WRITE, TOPIC)).as("ALL on a prefix").isTrue();
    a.replaceAcls(List.of(allow(TOPIC, "t", "User:alice", READ)));
    assertThat(a.authorizeByResourceType(ALICE, HOST1, WRITE, TOPIC)).as("READ is not WRITE").isFalse();
  }

  @Test
  void authorizedOperationsAreTheBitsOfAllowedOperations() {
    Authorizer a = new Authorizer(List.of(), false);
    a.replaceAcls(List.of(allow(TOPIC, "t", "User:alice", READ), allow(TOPIC, "t", "User:alice", ALTER_CONFIGS)));
    int bits = a.authorizedOperations(ALICE, HOST1, TOPIC, "t");
    assertThat(bits).isEqualTo((1 << READ.code()) | (1 << DESCRIBE.code()) | (1 << ALTER_CONFIGS.code())
        | (1 << DESCRIBE_CONFIGS.code()));
    assertThat(a.authorizedOperations(BOB, HOST1, TOPIC, "t")).isZero();
  }

  @Test
  void filtersSelectAsKafkaDescribeAndDeleteDo() {
    Authorizer a = new Authorizer(List.of(), false);
    Acl lit = allow(TOPIC, "fin-ledger", "User:alice", READ);
    Acl pre = acl(TOPIC, PREFIXED, "fin-", "User:bob", "*", WRITE, ALLOW);
    Acl wild = allow(TOPIC, "*", "User:carol", READ);
    Acl grp = allow(GROUP, "fin-ledger", "User:alice", READ);
    a.replaceAcls(List.of(lit, pre, wild, grp));
    assertThat(a.acls(AclFilter.ANY)).containsExactlyInAnyOrder(lit, pre, wild, grp);
    assertThat(a.acls(new AclFilter(TOPIC, PatternType.MATCH, "fin-ledger", null, null, Operation.ANY, Permission.ANY)))
        .containsExactlyInAnyOrder(lit, pre, wild);
    assertThat(a.acls(new AclFilter(ResourceType.ANY, PatternType.ANY, "fin-ledger", null, null, Operation.ANY, Permission.ANY)))
        .containsExactlyInAnyOrder(lit, grp);
    assertThat(a.acls(new AclFilter(TOPIC, PREFIXED, null, null, null, Operation.ANY, Permission.ANY))).containsExactly(pre);
    assertThat(a.acls(new AclFilter(ResourceType.ANY, PatternType.ANY, null, "User:alice", null, READ, ALLOW)))
        .containsExactlyInAnyOrder(lit, grp);
  }

  @Test
  void invalidAclsAreNamed() {
    assertThat(allow(CLUSTER, "other", "User:a", ALTER).invalidReason()).contains("kafka-cluster");
    assertThat(allow(TOPIC, "", "User:a", READ).invalidReason()).contains("empty");
    assertThat(allow(TOPIC, "t", "alice", READ).invalidReason()).contains("type:name");
    assertThat(allow(TOPIC, "t", "User:a", Operation.ANY).invalidReason()).contains("filters");
    assertThat(acl(TOPIC, PatternType.MATCH, "t", "User:a", "*", READ, ALLOW).invalidReason()).contains("filters");
    assertThat(allow(TOPIC, "t", "User:a", READ).invalidReason()).isNull();
  }

  @Test
  void configTurnsItOnWithKafkasClassNamesAndRefusesOthers() {
    assertThat(Authorizer.fromConfig(BrokerConfig.of(Map.of()))).isNull();
    for (String name : Authorizer.CLASS_NAMES) {
      Authorizer a = Authorizer.fromConfig(BrokerConfig.of(Map.of("authorizer.class.name", name,
          "super.users", "User:admin;User:bob")));
      assertThat(a.isSuperUser(ADMIN)).isTrue();
      assertThat(a.isSuperUser(BOB)).isTrue();
      assertThat(a.isSuperUser(ALICE)).isFalse();
    }
    assertThatThrownBy(() -> Authorizer.fromConfig(BrokerConfig.of(Map.of("authorizer.class.name", "com.example.Mine"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("authorizer.class.name");
    assertThatThrownBy(() -> Authorizer.fromConfig(BrokerConfig.of(Map.of("authorizer.class.name",
        "kafka.security.authorizer.AclAuthorizer", "super.users", "admin"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("super.users");
  }
}
