package dev.brook.broker.api;

import dev.brook.broker.quota.ClientQuotaConfigs;
import dev.brook.broker.quota.ClientQuotaStore;
import dev.brook.broker.quota.QuotaEntity;
import dev.brook.broker.quota.QuotaType;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.kafka.common.message.AlterClientQuotasRequestData;
import org.apache.kafka.common.message.AlterClientQuotasResponseData;
import org.apache.kafka.common.message.DescribeClientQuotasRequestData;
import org.apache.kafka.common.message.DescribeClientQuotasResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * DescribeClientQuotas and AlterClientQuotas, as {@code kafka-configs --entity-type users|clients}
 * uses them: entities of users, client ids and both, defaults as a null name; the quota keys Kafka
 * defines. Writes go to the store on a background thread (a file's fsync, a ZooKeeper round trip).
 */
public final class ClientQuotaApis {
  private static final String USER = "user";
  private static final String CLIENT_ID = "client-id";
  private static final byte EXACT = 0;
  private static final byte DEFAULT = 1;
  private static final byte SPECIFIED = 2;

  private final ClientQuotaStore store;
  private final Executor background;

  public ClientQuotaApis(ClientQuotaStore store, Executor background) {
    this.store = store;
    this.background = background;
  }

  public void register(ApiDispatcher dispatcher) {
    dispatcher.register(ApiKeys.DESCRIBE_CLIENT_QUOTAS, this::describe);
    dispatcher.register(ApiKeys.ALTER_CLIENT_QUOTAS, this::alter);
  }

  CompletableFuture<ApiMessage> describe(RequestContext ctx, DescribeClientQuotasRequestData request) {
    DescribeClientQuotasResponseData r = new DescribeClientQuotasResponseData().setEntries(new ArrayList<>());
    for (var c : request.components()) {
      if (!c.entityType().equals(USER) && !c.entityType().equals(CLIENT_ID)) {
        return done(r.setErrorCode(Errors.INVALID_REQUEST.code())
            .setErrorMessage("Unsupported quota entity type " + c.entityType() + " (user and client-id are)"));
      }
      if (c.matchType() < EXACT || c.matchType() > SPECIFIED || (c.matchType() == EXACT) == (c.match() == null)) {
        return done(r.setErrorCode(Errors.INVALID_REQUEST.code()).setErrorMessage("Invalid match for " + c.entityType()));
      }
    }
    ClientQuotaConfigs all;
    try {
      all = store.load();
    } catch (IOException e) {
      return done(r.setErrorCode(Errors.UNKNOWN_SERVER_ERROR.code()).setErrorMessage(e.getMessage()));
    }
    all.all().forEach((entity, quotas) -> {
      if (!matches(entity, request)) return;
      List<DescribeClientQuotasResponseData.EntityData> names = new ArrayList<>();
      if (entity.user() != null) names.add(new DescribeClientQuotasResponseData.EntityData().setEntityType(USER)
          .setEntityName(wireName(entity.user())));
      if (entity.clientId() != null) names.add(new DescribeClientQuotasResponseData.EntityData().setEntityType(CLIENT_ID)
          .setEntityName(wireName(entity.clientId())));
      List<DescribeClientQuotasResponseData.ValueData> values = new ArrayList<>();
      quotas.forEach((t, v) -> values.add(new DescribeClientQuotasResponseData.ValueData().setKey(t.key()).setValue(v)));
      r.entries().add(new DescribeClientQuotasResponseData.EntryData().setEntity(names).setValues(values));
    });
    return done(r);
  }

  private static boolean matches(QuotaEntity e, DescribeClientQuotasRequestData request) {
    boolean userFiltered = false;
    boolean clientFiltered = false;
    for (var c : request.components()) {
      String name = c.entityType().equals(USER) ? e.user() : e.clientId();
      if (c.entityType().equals(USER)) userFiltered = true;
      else clientFiltered = true;
      boolean ok = switch (c.matchType()) {
        case EXACT -> c.match().equals(name);
        case DEFAULT -> QuotaEntity.DEFAULT.equals(name);
        default -> name != null;
      };
      if (!ok) return false;
    }
    // Strict: no entity types other than the filtered ones.
    return !request.strict() || ((e.user() == null || userFiltered) && (e.clientId() == null || clientFiltered));
  }

  CompletableFuture<ApiMessage> alter(RequestContext ctx, AlterClientQuotasRequestData request) {
    AlterClientQuotasResponseData r = new AlterClientQuotasResponseData();
    Map<QuotaEntity, Map<QuotaType, OptionalDouble>> valid = new LinkedHashMap<>();
    Map<QuotaEntity, AlterClientQuotasResponseData.EntryData> answers = new HashMap<>();
    for (var entry : request.entries()) {
      var answer = new AlterClientQuotasResponseData.EntryData();
      for (var e : entry.entity()) {
        answer.entity().add(new AlterClientQuotasResponseData.EntityData().setEntityType(e.entityType()).setEntityName(e.entityName()));
      }
      r.entries().add(answer);
      String problem = null;
      String user = null;
      String client = null;
      for (var e : entry.entity()) {
        String name = e.entityName() == null ? QuotaEntity.DEFAULT : e.entityName();
        if (e.entityType().equals(USER) && user == null) user = name;
        else if (e.entityType().equals(CLIENT_ID) && client == null) client = name;
        else problem = "Unsupported or repeated quota entity type " + e.entityType() + " (user and client-id are)";
      }
      if (problem == null && user == null && client == null) problem = "An entry names no entity";
      Map<QuotaType, OptionalDouble> ops = new LinkedHashMap<>();
      for (var op : entry.ops()) {
        if (problem != null) break;
        var type = QuotaType.forKey(op.key());
        if (type.isEmpty()) {
          problem = "Invalid configuration key " + op.key();

        } else if (!op.remove() && (!(op.value() > 0) || Double.isInfinite(op.value()))) {
          problem = "Quota " + op.key() + " must be a positive number, got " + op.value();
        } else if (ops.put(type.get(), op.remove() ? OptionalDouble.empty() : OptionalDouble.of(op.value())) != null) {
          problem = "Quota " + op.key() + " is altered twice";
        }
      }
      if (problem != null) {
        answer.setErrorCode(Errors.INVALID_REQUEST.code()).setErrorMessage(problem);
        continue;
      }
      QuotaEntity entity = new QuotaEntity(user, client);
      if (valid.containsKey(entity)) {
        answer.setErrorCode(Errors.INVALID_REQUEST.code()).setErrorMessage("Entity " + entity + " is altered twice");
        continue;
      }
      valid.put(entity, ops);
      answers.put(entity, answer);
    }
    if (request.validateOnly() || valid.isEmpty()) return done(r);
    return CompletableFuture.supplyAsync(() -> {
      try {
        store.alter(valid);
      } catch (IOException e) {
        answers.values().forEach(a -> a.setErrorCode(Errors.UNKNOWN_SERVER_ERROR.code()).setErrorMessage(e.getMessage()));
      }
      return r;
    }, background);
  }

  private static String wireName(String name) {
    return QuotaEntity.DEFAULT.equals(name) ? null : name;
  }

  private static CompletableFuture<ApiMessage> done(ApiMessage m) {
    return CompletableFuture.completedFuture(m);
  }
}
