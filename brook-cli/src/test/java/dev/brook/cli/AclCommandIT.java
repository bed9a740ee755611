package dev.brook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka 4.1.1's {@code kafka-acls} (org.apache.kafka.tools.AclCommand in 4.x, through the anchor script) against a
 * {@code brook server} with Kafka's authorizer setting: ACLs added, listed back, kept across a
 * restart, and removed. The tool runs as {@code User:ANONYMOUS} (PLAINTEXT), made a super user.
 */
class AclCommandIT {
  @TempDir Path data;

  private static final String[] AUTHORIZER = {
      "--override", "authorizer.class.name=kafka.security.authorizer.AclAuthorizer",
      "--override", "super.users=User:ANONYMOUS"};

  static ExternalTool.Result acls(String bootstrap, String... args) throws Exception {
    String[] all = new String[args.length + 2];
    all[0] = "--bootstrap-server";
    all[1] = bootstrap;
    System.arraycopy(args, 0, all, 2, args.length);
    return ExternalTool.anchorTool(null, 120, "org.apache.kafka.tools.AclCommand", all);
  }

  @Test
  void kafkaAclsAddsListsKeepsAndRemoves() throws Exception {
    ExternalTool.requireAnchor();
    try (BrookProcess brook = BrookProcess.server(data, AUTHORIZER)) {
      String bootstrap = brook.bootstrap();
      ExternalTool.Result add = acls(bootstrap, "--add", "--allow-principal", "User:alice", "--operation", "Read",
          "--topic", "t");
      assertThat(add.exitCode()).as(add.toString()).isZero();
      ExternalTool.Result prefixed = acls(bootstrap, "--add", "--allow-principal", "User:bob", "--operation", "Write",
          "--operation", "Describe", "--topic", "fin-", "--resource-pattern-type", "prefixed");
      assertThat(prefixed.exitCode()).as(prefixed.toString()).isZero();
      ExternalTool.Result consumer = acls(bootstrap, "--add", "--allow-principal", "User:carol", "--consumer",
          "--topic", "orders", "--group", "billing");
      assertThat(consumer.exitCode()).as(consumer.toString()).isZero();
      ExternalTool.Result list = acls(bootstrap, "--list", "--topic", "t");
      assertThat(list.exitCode()).as(list.toString()).isZero();
      assertThat(list.stdout()).contains("ResourcePattern(resourceType=TOPIC, name=t, patternType=LITERAL)")
          .contains("(principal=User:alice, host=*, operation=READ, permissionType=ALLOW)");
    }
    try (BrookProcess brook = BrookProcess.server(data, AUTHORIZER)) { // the same directory: ACLs kept
      String bootstrap = brook.bootstrap();
      ExternalTool.Result list = acls(bootstrap, "--list");
      assertThat(list.exitCode()).as(list.toString()).isZero();
      assertThat(list.stdout())
          .contains("(principal=User:alice, host=*, operation=READ, permissionType=ALLOW)")
          .contains("ResourcePattern(resourceType=TOPIC, name=fin-, patternType=PREFIXED)")
          .contains("(principal=User:bob, host=*, operation=WRITE, permissionType=ALLOW)")
          .contains("ResourcePattern(resourceType=GROUP, name=billing, patternType=LITERAL)")
          .contains("(principal=User:carol, host=*, operation=READ, permissionType=ALLOW)");
      ExternalTool.Result remove = acls(bootstrap, "--remove", "--force", "--allow-principal", "User:alice",
          "--operation", "Read", "--topic", "t");
      assertThat(remove.exitCode()).as(remove.toString()).isZero();
      ExternalTool.Result after = acls(bootstrap, "--list");
      assertThat(after.stdout()).doesNotContain("User:alice").contains("User:bob");
    }
  }

  @Test
  void withoutAnAuthorizerKafkaAclsSaysSecurityIsDisabled() throws Exception {
    ExternalTool.requireAnchor();
    try (BrookProcess brook = BrookProcess.server(data)) {
      ExternalTool.Result list = acls(brook.bootstrap(), "--list");
      assertThat(list.stdout() + list.stderr()).contains("Security features are disabled");
    }
  }
}
