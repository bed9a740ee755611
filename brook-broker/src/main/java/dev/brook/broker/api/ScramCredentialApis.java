package dev.brook.broker.api;

import dev.brook.broker.security.ScramCredential;
import dev.brook.broker.security.ScramCredentialStore;
import dev.brook.broker.security.ScramMechanism;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.kafka.common.message.AlterUserScramCredentialsRequestData;
import org.apache.kafka.common.message.AlterUserScramCredentialsResponseData;
import org.apache.kafka.common.message.AlterUserScramCredentialsResponseData.AlterUserScramCredentialsResult;
import org.apache.kafka.common.message.DescribeUserScramCredentialsRequestData;
import org.apache.kafka.common.message.DescribeUserScramCredentialsResponseData;
import org.apache.kafka.common.message.DescribeUserScramCredentialsResponseData.CredentialInfo;
import org.apache.kafka.common.message.DescribeUserScramCredentialsResponseData.DescribeUserScramCredentialsResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * AlterUserScramCredentials and DescribeUserScramCredentials (KIP-554), what {@code kafka-configs
 * --entity-type users --alter --add-config 'SCRAM-SHA-256=[password=…]'} and {@code --describe}
 * send. The client salts and hashes the password (it sends the salted password, never the password);
 * the broker keeps StoredKey and ServerKey ({@link ScramMechanism#credential}). Errors per user as
 * Kafka answers them: an empty name or iterations outside 4096..16384 UNACCEPTABLE_CREDENTIAL, an
 * unknown mechanism UNSUPPORTED_SASL_MECHANISM, a user named twice (even for two mechanisms: Kafka 4.1.1's
 * ScramControlManager) DUPLICATE_RESOURCE, deleting or
 * describing a missing credential RESOURCE_NOT_FOUND. Store reads and writes run on {@code
 * background} (a file fsync or ZooKeeper).
 */
public final class ScramCredentialApis {
  private static final Logger log = LoggerFactory.getLogger(ScramCredentialApis.class);

  private final ScramCredentialStore store;
  private final Executor background;

  private ScramCredentialApis(ScramCredentialStore store, Executor background) {
    this.store = store;
    this.background = background;
  }

  public static void register(ApiDispatcher dispatcher, ScramCredentialStore store, Executor background) {
    ScramCredentialApis apis = new ScramCredentialApis(store, background);
    dispatcher.<AlterUserScramCredentialsRequestData>register(ApiKeys.ALTER_USER_SCRAM_CREDENTIALS, (ctx, r) -> apis.alter(r));
    dispatcher.<DescribeUserScramCredentialsRequestData>register(ApiKeys.DESCRIBE_USER_SCRAM_CREDENTIALS, (ctx, r) -> apis.describe(r));
  }

  CompletableFuture<ApiMessage> alter(AlterUserScramCredentialsRequestData request) {
    return CompletableFuture.supplyAsync(() -> {
      Map<String, Errors> errors = new LinkedHashMap<>();
      Map<String, String> messages = new HashMap<>();
      Set<String> seen = new HashSet<>();
      Set<String> duplicates = new HashSet<>();
      // As Kafka: a user appears once per request, whatever the mechanisms (kafka-configs altering
      // SCRAM-SHA-256 and SCRAM-SHA-512 of one user in one command is refused by Kafka 4.1.1).
      request.deletions().forEach(d -> {
        if (!seen.add(d.name())) duplicates.add(d.name());
      });
      request.upsertions().forEach(u -> {
        if (!seen.add(u.name())) duplicates.add(u.name());
      });
      for (var d : request.deletions()) {
        Errors e = check(d.name(), d.mechanism(), duplicates, messages);
        if (e == Errors.NONE) {
          ScramMechanism m = ScramMechanism.forType(d.mechanism()).orElseThrow();
          e = apply(d.name(), m, null, messages);
        }
        errors.merge(d.name(), e, (a, b) -> a == Errors.NONE ? b : a);
      }
      for (var u : request.upsertions()) {
        Errors e = check(u.name(), u.mechanism(), duplicates, messages);
        if (e == Errors.NONE && (u.iterations() < ScramMechanism.MIN_ITERATIONS || u.iterations() > ScramMechanism.MAX_ITERATIONS)) {
          e = Errors.UNACCEPTABLE_CREDENTIAL;
          messages.put(u.name(), "Iterations " + u.iterations() + " must be between " + ScramMechanism.MIN_ITERATIONS
              + " and " + ScramMechanism.MAX_ITERATIONS);
        }
        if (e == Errors.NONE && (u.salt().length == 0 || u.saltedPassword().length == 0)) {
          e = Errors.UNACCEPTABLE_CREDENTIAL;
          messages.put(u.name(), "Salt and salted password must not be empty");
        }
        if (e == Errors.NONE) {
          ScramMechanism m = ScramMechanism.forType(u.mechanism()).orElseThrow();
          e = apply(u.name(), m, m.credential(u.salt(), u.saltedPassword(), u.iterations()), messages);
        }
        errors.merge(u.name(), e, (a, b) -> a == Errors.NONE ? b : a);
      }
      AlterUserScramCredentialsResponseData response = new AlterUserScramCredentialsResponseData();
      errors.forEach((user, e) -> response.results().add(new AlterUserScramCredentialsResult()
          .setUser(user).setErrorCode(e.code()).setErrorMessage(e == Errors.NONE ? null : messages.getOrDefault(user, e.message()))));
      return (ApiMessage) response;
    }, background);
  }

  private static Errors check(String user, byte mechanism, Set<String> duplicates, Map<String, String> messages) {
    if (user == null || user.isEmpty()) {
      messages.put(user, "Username must not be empty");
      return Errors.UNACCEPTABLE_CREDENTIAL;
    }
    if (duplicates.contains(user)) {
      messages.put(user, "A user credential cannot be altered twice in the same request");
      return Errors.DUPLICATE_RESOURCE;
    }
    if (ScramMechanism.forType(mechanism).isEmpty()) {
      messages.put(user, "Unknown SCRAM mechanism type " + mechanism);
      return Errors.UNSUPPORTED_SASL_MECHANISM;
    }
    return Errors.NONE;
  }

  private Errors apply(String user, ScramMechanism m, ScramCredential c, Map<String, String> messages) {
    try {
      if (c == null && store.credential(user, m).isEmpty()) {
        messages.put(user, "Attempt to delete a user credential that does not exist");
        return Errors.RESOURCE_NOT_FOUND;
      }
      store.alter(user, m, c);
      log.info("{} the {} credential of user {}", c == null ? "deleted" : "set", m.mechanismName(), user);
      return Errors.NONE;
    } catch (IOException e) {
      log.error("cannot store the {} credential of user {}", m.mechanismName(), user, e);
      messages.put(user, "The credential could not be stored");
      return Errors.UNKNOWN_SERVER_ERROR;
    }
  }

  CompletableFuture<ApiMessage> describe(DescribeUserScramCredentialsRequestData request) {
    return CompletableFuture.supplyAsync(() -> {
      DescribeUserScramCredentialsResponseData response = new DescribeUserScramCredentialsResponseData();
      Map<String, Map<ScramMechanism, ScramCredential>> all;
      try {
        all = store.all();
      } catch (IOException e) {
        log.error("cannot read SCRAM credentials", e);
        return response.setErrorCode(Errors.UNKNOWN_SERVER_ERROR.code()).setErrorMessage("credentials could not be read");
      }
      List<String> users = new ArrayList<>();
      if (request.users() == null || request.users().isEmpty()) users.addAll(all.keySet());
      else request.users().forEach(u -> users.add(u.name()));
      Set<String> seen = new HashSet<>();
      for (String user : users) {
        DescribeUserScramCredentialsResult r = new DescribeUserScramCredentialsResult().setUser(user);
        if (!seen.add(user)) {
          continue;
        }
        if (users.stream().filter(user::equals).count() > 1) {
          r.setErrorCode(Errors.DUPLICATE_RESOURCE.code()).setErrorMessage("Cannot describe SCRAM credentials for the same user twice in a single request: " + user);
        } else if (!all.containsKey(user)) {
          r.setErrorCode(Errors.RESOURCE_NOT_FOUND.code()).setErrorMessage("Attempt to describe a user credential that does not exist: " + user);
        } else {
          all.get(user).forEach((m, c) -> r.credentialInfos().add(new CredentialInfo().setMechanism(m.type()).setIterations(c.iterations())));
        }
        response.results().add(r);
      }
      return (ApiMessage) response;
    }, background);
  }
}
