package dev.brook.broker.api;

import static dev.brook.broker.security.Operation.ALTER;
import static dev.brook.broker.security.Operation.DESCRIBE;

import dev.brook.broker.security.Acl;
import dev.brook.broker.security.AclFilter;
import dev.brook.broker.security.AclStore;
import dev.brook.broker.security.Authorizer;
import dev.brook.broker.security.Operation;
import dev.brook.broker.security.PatternType;
import dev.brook.broker.security.Permission;
import dev.brook.broker.security.ResourceType;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.message.CreateAclsRequestData;
import org.apache.kafka.common.message.CreateAclsResponseData;
import org.apache.kafka.common.message.DeleteAclsRequestData;
import org.apache.kafka.common.message.DeleteAclsResponseData;
import org.apache.kafka.common.message.DescribeAclsRequestData;
import org.apache.kafka.common.message.DescribeAclsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * CreateAcls, DescribeAcls and DeleteAcls (what {@code kafka-acls} and Admin's ACL calls send).
 * Creating and deleting need ALTER on the cluster, describing DESCRIBE, as in Kafka. Writes go to
 * the {@link AclStore} on {@code writer} (they block on disk or ZooKeeper); the store's listener
 * swaps the authorizer's rules once they are stored, so a response means the change is in force on
 * this broker.
 */
public final class AclApis {
  private static final Logger log = LoggerFactory.getLogger(AclApis.class);

  private AclApis() {}

  /** Registers the three ACL APIs (every version the codec has). */
  public static void register(ApiDispatcher dispatcher, Authorizer authorizer, AclStore store, Executor writer) {
    Access access = new Access(authorizer, id -> java.util.Optional.empty(), n -> false, false);
    dispatcher.register(ApiKeys.CREATE_ACLS, (RequestContext ctx, CreateAclsRequestData r) -> {
      if (!access.cluster(ctx, ALTER)) return refuseCluster();
      return create(r, store, writer);
    });
    dispatcher.register(ApiKeys.DESCRIBE_ACLS, (RequestContext ctx, DescribeAclsRequestData r) -> {
      if (!access.cluster(ctx, DESCRIBE)) return refuseCluster();
      return CompletableFuture.completedFuture(describe(r, authorizer));
    });
    dispatcher.register(ApiKeys.DELETE_ACLS, (RequestContext ctx, DeleteAclsRequestData r) -> {
      if (!access.cluster(ctx, ALTER)) return refuseCluster();
      return delete(r, authorizer, store, writer);
    });
  }

  /** Without an authorizer: the ACL APIs answer SECURITY_DISABLED, as Kafka's do. */
  public static void registerDisabled(ApiDispatcher dispatcher) {
    var disabled = new org.apache.kafka.common.errors.SecurityDisabledException("No Authorizer is configured on the broker");
    dispatcher.register(ApiKeys.CREATE_ACLS, (RequestContext ctx, CreateAclsRequestData r) -> Access.refuse(disabled));
    dispatcher.register(ApiKeys.DESCRIBE_ACLS, (RequestContext ctx, DescribeAclsRequestData r) -> Access.refuse(disabled));
    dispatcher.register(ApiKeys.DELETE_ACLS, (RequestContext ctx, DeleteAclsRequestData r) -> Access.refuse(disabled));
  }

  private static CompletableFuture<ApiMessage> refuseCluster() {
    return Access.refuse(new ClusterAuthorizationException("Cluster authorization failed"));
  }

  static CompletableFuture<ApiMessage> create(CreateAclsRequestData r, AclStore store, Executor writer) {
    List<CreateAclsResponseData.AclCreationResult> results = new ArrayList<>();
    List<Acl> valid = new ArrayList<>();
    for (CreateAclsRequestData.AclCreation c : r.creations()) {
      String invalid = null;
      Acl acl = null;
      ResourceType type = ResourceType.forCode(c.resourceType());
      PatternType pattern = PatternType.forCode(c.resourcePatternType());
      Operation op = Operation.forCode(c.operation());
      Permission perm = Permission.forCode(c.permissionType());
      if (type == null || pattern == null || op == null || perm == null || c.resourceName() == null
          || c.principal() == null || c.host() == null) {
        invalid = "unknown resource type, pattern type, operation or permission type";
      } else {
        acl = new Acl(type, pattern, c.resourceName(), c.principal(), c.host(), op, perm);
        invalid = acl.invalidReason();
      }
      CreateAclsResponseData.AclCreationResult result = new CreateAclsResponseData.AclCreationResult();
      if (invalid != null) {
        result.setErrorCode(Errors.INVALID_REQUEST.code()).setErrorMessage("Invalid ACL: " + invalid);
      } else {
        valid.add(acl);
      }
      results.add(result);
    }
    CompletableFuture<ApiMessage> out = new CompletableFuture<>();
    writer.execute(() -> {
      try {
        if (!valid.isEmpty()) store.add(valid);
      } catch (IOException | RuntimeException e) {
        log.warn("Storing {} ACLs failed", valid.size(), e);
        for (CreateAclsResponseData.AclCreationResult res : results) {
          if (res.errorCode() == Errors.NONE.code()) {
            res.setErrorCode(Errors.UNKNOWN_SERVER_ERROR.code()).setErrorMessage("storing the ACL failed: " + e);
          }
        }
      }
      out.complete(new CreateAclsResponseData().setResults(results));
    });
    return out;
  }

  /** A request filter, or null when one of its codes is unknown (INVALID_REQUEST). */
  static AclFilter filter(byte type, String name, byte pattern, String principal, String host, byte op, byte perm) {
    ResourceType t = ResourceType.forCode(type);
    PatternType p = PatternType.forCode(pattern);
    Operation o = Operation.forCode(op);
    Permission pe = Permission.forCode(perm);
    if (t == null || p == null || o == null || pe == null) return null;
    return new AclFilter(t, p, name, principal, host, o, pe);
  }

  static DescribeAclsResponseData describe(DescribeAclsRequestData r, Authorizer authorizer) {
    AclFilter f = filter(r.resourceTypeFilter(), r.resourceNameFilter(), r.patternTypeFilter(), r.principalFilter(),
        r.hostFilter(), r.operation(), r.permissionType());
    if (f == null) {
      return new DescribeAclsResponseData().setErrorCode(Errors.INVALID_REQUEST.code())
          .setErrorMessage("unknown resource type, pattern type, operation or permission type in the filter");
    }
    Map<List<Object>, DescribeAclsResponseData.DescribeAclsResource> byResource = new LinkedHashMap<>();
    for (Acl a : authorizer.acls(f)) {
      byResource.computeIfAbsent(List.of(a.resourceType(), a.patternType(), a.name()),
              k -> new DescribeAclsResponseData.DescribeAclsResource().setResourceType(a.resourceType().code())
                  .setResourceName(a.name()).setPatternType(a.patternType().code()))
          .acls().add(new DescribeAclsResponseData.AclDescription().setPrincipal(a.principal()).setHost(a.host())
              .setOperation(a.operation().code()).setPermissionType(a.permission().code()));
    }
    return new DescribeAclsResponseData().setResources(new ArrayList<>(byResource.values()));
  }

  static CompletableFuture<ApiMessage> delete(DeleteAclsRequestData r, Authorizer authorizer, AclStore store,
      Executor writer) {
    CompletableFuture<ApiMessage> out = new CompletableFuture<>();
    writer.execute(() -> {
      // On the writer: deletions are matched against the rules as the previous writes left them.
      List<DeleteAclsResponseData.DeleteAclsFilterResult> results = new ArrayList<>();
      Set<Acl> toRemove = new LinkedHashSet<>();
      for (DeleteAclsRequestData.DeleteAclsFilter df : r.filters()) {
        AclFilter f = filter(df.resourceTypeFilter(), df.resourceNameFilter(), df.patternTypeFilter(),
            df.principalFilter(), df.hostFilter(), df.operation(), df.permissionType());
        DeleteAclsResponseData.DeleteAclsFilterResult result = new DeleteAclsResponseData.DeleteAclsFilterResult();
        if (f == null) {
          result.setErrorCode(Errors.INVALID_REQUEST.code()).setErrorMessage("unknown code in the filter");
        } else {
          for (Acl a : authorizer.acls(f)) {
            toRemove.add(a);
            result.matchingAcls().add(new DeleteAclsResponseData.DeleteAclsMatchingAcl()
                .setResourceType(a.resourceType().code()).setResourceName(a.name())
                .setPatternType(a.patternType().code()).setPrincipal(a.principal()).setHost(a.host())
                .setOperation(a.operation().code()).setPermissionType(a.permission().code()));
          }
        }
        results.add(result);
      }
      try {
        if (!toRemove.isEmpty()) store.remove(toRemove);
      } catch (IOException | RuntimeException e) {
        log.warn("Deleting {} ACLs failed", toRemove.size(), e);
        for (DeleteAclsResponseData.DeleteAclsFilterResult res : results) {
          if (res.errorCode() == Errors.NONE.code()) {
            res.setErrorCode(Errors.UNKNOWN_SERVER_ERROR.code()).setErrorMessage("deleting ACLs failed: " + e)
                .setMatchingAcls(new ArrayList<>());
          }
        }
      }
      out.complete(new DeleteAclsResponseData().setFilterResults(results));
    });
    return out;
  }
}
