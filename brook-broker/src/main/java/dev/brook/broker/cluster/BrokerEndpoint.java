package dev.brook.broker.cluster;

/**
 * A live broker and its advertised endpoint (from its ephemeral registration znode {@code
 * /brokers/ids/<id>}). {@code rack} is null when the broker has none. Immutable.
 */
public record BrokerEndpoint(int id, String host, int port, String rack) {}
