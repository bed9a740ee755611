package dev.brook.broker.http;

import dev.brook.broker.security.Operation;
import dev.brook.broker.security.ResourceType;

/**
 * A request the ACLs refuse: 401 when the caller has not authenticated (HTTP Basic may help), 403
 * when an authenticated principal lacks the permission. The message and the JSON error name the
 * principal and the missing permission, as {@code kafka-acls} would grant it.
 */
final class Denied extends BadRequest {
  final String principal;
  final Operation operation;
  final ResourceType resourceType;
  final String resourceName;

  Denied(boolean authenticated, String principal, Operation operation, ResourceType resourceType, String resourceName) {
    super(authenticated ? 403 : 401, principal + " is not allowed " + operation + " on " + resourceType + " " + resourceName
        + (authenticated ? "" : " (log in: HTTP Basic with a SASL user of this broker)"));
    this.principal = principal;
    this.operation = operation;
    this.resourceType = resourceType;
    this.resourceName = resourceName;
  }
}
