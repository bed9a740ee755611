package dev.brook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.brook.broker.security.TargetBroker;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka 4.1.1's {@code kafka-acls} (org.apache.kafka.tools.AclCommand in 4.x, through the anchor script) against a
 * {@code brook server} with Kafka's authorizer setting: ACLs added, listed back, kept across a
 * restart, and removed. The tool runs as {@code User:ANONYMOUS} (PLAINTEXT), made a super user. With
 * {@code -Dbrook.it.target=kafka} the same tests run against Apache Kafka 4.1.1 with the same settings
 * ({@link TargetBroker}).
 */
class AclCommandIT {
  @TempDir Path data;

  private static final String AUTHORIZER_CLASS = "org.apache.kafka.metadata.authorizer.StandardAuthorizer";
  private static final String[] AUTHORIZER = {
      "--override", "authorizer.class.name=" + AUTHORIZER_CLASS,
      "--override", "super.users=User:ANONYMOUS"};

  static ExternalTool.Result acls(String bootstrap, String... args) throws Exception {
    String[] all = new String[args.length + 2];
    all[0] = "--bootstrap-server";
    all[1] = bootstrap;
    System.arraycopy(args, 0, all, 2, args.length);
    return ExternalTool.anchorTool(null, 120, "org.apache.kafka.tools.AclCommand", all);
  }

  /** The broker the tool talks to. */
  private interface Server extends AutoCloseable {
    String bootstrap() throws Exception;
  }

  /**
   * A {@code brook server} (the packaged jar, as users run it) on {@link #data}, with Kafka's authorizer
   * or without; against Kafka, Kafka 4.1.1 with the same two settings.
   */
  private Server server(boolean authorizer) throws Exception {
    if (TargetBroker.isKafka()) {
      Map<String, String> s = new HashMap<>();
      s.put("log.dirs", data.resolve("kafka-logs").toString());
      s.put("listeners", "PLAINTEXT://127.0.0.1:0");
      if (authorizer) {
        s.put("authorizer.class.name", AUTHORIZER_CLASS);
        s.put("super.users", "User:ANONYMOUS");
      }
      TargetBroker kafka = TargetBroker.start(data, s);
      return new Server() {
        @Override public String bootstrap() {
          return kafka.bootstrap();
        }

        @Override public void close() throws Exception {
          kafka.close();
        }
      };
    }
    BrookProcess brook = authorizer ? BrookProcess.server(data, AUTHORIZER) : BrookProcess.server(data);
    return new Server() {
      @Override public String bootstrap() throws Exception {
        return brook.bootstrap();
      }

      @Override public void close() throws Exception {
        brook.close();
      }
    };
  }

  @Test
  void kafkaAclsAddsListsKeepsAndRemoves() throws Exception {
    ExternalTool.requireAnchor();
    try (Server brook = server(true)) {
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
    try (Server brook = server(true)) { // the same directory: ACLs kept
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
    try (Server brook = server(false)) {
      ExternalTool.Result list = acls(brook.bootstrap(), "--list");
      // Kafka's answer: SECURITY_DISABLED with this message
      assertThat(list.stdout() + list.stderr()).contains("SecurityDisabledException: No Authorizer is configured on the broker");
    }
  }
}
