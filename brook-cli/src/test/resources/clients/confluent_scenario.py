"""The client-generation scenario with confluent-kafka-python (librdkafka), as JavaClientScenario.

argv: bootstrap topic. A transaction committed (10 records) and one aborted (5), 10 records from an
idempotent producer; a read_committed consumer in a group reads exactly the 20 committed ones and
commits; a second member of the group finds the offsets committed. Prints "OK <versions>" and exits 0.
"""
import sys
import time
import uuid

from confluent_kafka import Consumer, Producer, TopicPartition, version, libversion

bootstrap, topic = sys.argv[1], sys.argv[2]
versions = "confluent-kafka %s librdkafka %s" % (version()[0], libversion()[0])

tx = Producer({"bootstrap.servers": bootstrap, "transactional.id": "py-" + uuid.uuid4().hex})
tx.init_transactions(30)
tx.begin_transaction()
for i in range(10):
    tx.produce(topic, key="k%d" % i, value="committed-%d" % i)
tx.commit_transaction(30)
tx.begin_transaction()
for i in range(5):
    tx.produce(topic, key="k%d" % i, value="aborted-%d" % i)
tx.flush(30)
tx.abort_transaction(30)

errors = []
p = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True})
for i in range(10):
    p.produce(topic, key="p%d" % i, value="plain-%d" % i,
              on_delivery=lambda err, msg: err and errors.append(err))
if p.flush(30) != 0 or errors:
    sys.exit("FAILED %s: idempotent produce: %s" % (versions, errors))

group = "py-group-" + uuid.uuid4().hex
conf = {"bootstrap.servers": bootstrap, "group.id": group, "auto.offset.reset": "earliest",
        "enable.auto.commit": False, "isolation.level": "read_committed"}
c = Consumer(conf)
c.subscribe([topic])
values = []
deadline = time.time() + 60
while len(values) < 20 and time.time() < deadline:
    m = c.poll(0.2)
    if m is not None and m.error() is None:
        values.append(m.value().decode())
m = c.poll(0.5)
if m is not None and m.error() is None:
    values.append(m.value().decode())
if len(values) != 20 or any(v.startswith("aborted-") for v in values):
    sys.exit("FAILED %s: read_committed group consumer read %s" % (versions, values))
c.commit(asynchronous=False)
parts = [TopicPartition(topic, p) for p in c.list_topics(topic, timeout=10).topics[topic].partitions]
c.close()

c2 = Consumer(conf)
committed = c2.committed(parts, timeout=30)
for tp in committed:
    low, high = c2.get_watermark_offsets(tp, timeout=10)
    if tp.offset != high:
        sys.exit("FAILED %s: committed %s but partition %d ends at %d" % (versions, committed, tp.partition, high))
c2.close()
print("OK " + versions)
