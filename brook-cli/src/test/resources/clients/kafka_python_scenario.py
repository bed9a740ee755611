"""The client-generation scenario with kafka-python, as JavaClientScenario but without transactions
(kafka-python 2.0 has none): 10 records from an acks=all producer; a consumer in a group reads them and
commits; a second member of the group finds the offsets committed. Prints "OK <version>" and exits 0.
"""
import sys
import time
import uuid

import kafka
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

bootstrap, topic = sys.argv[1], sys.argv[2]
versions = "kafka-python %s" % kafka.__version__

p = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
for i in range(10):
    p.send(topic, key=b"p%d" % i, value=b"plain-%d" % i).get(timeout=30)
p.close()

group = "kp-group-" + uuid.uuid4().hex
c = KafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=group, auto_offset_reset="earliest",
                  enable_auto_commit=False)
values = []
deadline = time.time() + 60
while len(values) < 10 and time.time() < deadline:
    for records in c.poll(timeout_ms=200).values():
        values.extend(r.value.decode() for r in records)
if sorted(values) != sorted("plain-%d" % i for i in range(10)):
    sys.exit("FAILED %s: group consumer read %s" % (versions, values))
c.commit()
parts = [TopicPartition(topic, p) for p in c.partitions_for_topic(topic)]
c.close()

c2 = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
ends = c2.end_offsets(parts)
for tp in parts:
    if c2.committed(tp) != ends[tp]:
        sys.exit("FAILED %s: committed %s but %s ends at %d" % (versions, c2.committed(tp), tp, ends[tp]))
c2.close()
print("OK " + versions)
