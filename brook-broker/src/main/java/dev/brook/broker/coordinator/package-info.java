/**
 * The runtime both coordinators stand on (group: {@code __consumer_offsets}; transactions: {@code
 * __transaction_state}): which partitions of the internal topic a coordinator serves and in which
 * term ({@link dev.brook.broker.coordinator.PartitionTerms}), loading a partition by reading its
 * records off the coordinator thread and replaying them on it ({@link
 * dev.brook.broker.coordinator.PartitionTerms#load}), running every operation on the coordinator's
 * single thread with a future that always completes ({@link
 * dev.brook.broker.coordinator.CoordinatorThread}), and appending records as the partition's leader
 * and answering once the in-sync replicas have them ({@link
 * dev.brook.broker.coordinator.CommittedAppender}). The coordinators keep their state and their
 * protocol; this package keeps what they have in common, once.
 */
package dev.brook.broker.coordinator;
