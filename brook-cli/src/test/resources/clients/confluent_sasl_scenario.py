"""confluent-kafka-python (librdkafka) over SASL_SSL with SCRAM, for SecurityToolsIT.

argv: bootstrap topic mechanism username password ca_pem.
Produces three records, then reads them back in a consumer group; prints each value, then
"OK <versions>". If authentication fails it prints "REFUSED <error>" and exits 3.
"""
import sys
import time
import uuid

from confluent_kafka import Consumer, KafkaException, Producer, libversion, version

bootstrap, topic, mechanism, username, password, ca = sys.argv[1:7]
versions = "confluent-kafka %s librdkafka %s" % (version()[0], libversion()[0])
security = {"bootstrap.servers": bootstrap, "security.protocol": "SASL_SSL", "sasl.mechanisms": mechanism,
            "sasl.username": username, "sasl.password": password, "ssl.ca.location": ca}

auth_errors = []


def on_error(err):
    # librdkafka reports a refused SASL exchange here (_AUTHENTICATION) rather than raising it.
    if err.code() == -169 or "Authentication" in err.str():
        auth_errors.append(err.str())


p = Producer(dict(security, error_cb=on_error))
# Metadata within 15 s; asked for a second at a time with error_cb served in between, so a refused
# login ends the wait when librdkafka reports it instead of after the whole 15 s.
metadata_error = None
deadline = time.time() + 15
while True:
    try:
        p.list_topics(timeout=1)
        metadata_error = None
        break
    except KafkaException as e:
        metadata_error = e
    p.poll(0.2)  # serves error_cb
    if auth_errors or time.time() > deadline:
        break
deadline = time.time() + 3
while metadata_error is not None and not auth_errors and time.time() < deadline:
    p.poll(0.2)  # serves error_cb
if auth_errors:
    print("REFUSED %s" % auth_errors[0])
    sys.exit(3)
if metadata_error is not None:
    sys.exit("FAILED %s: metadata: %s" % (versions, metadata_error))

delivery_errors = []
for v in ("one", "two", "three"):
    p.produce(topic, value=v, on_delivery=lambda err, msg: err and delivery_errors.append(err))
if p.flush(30) != 0 or delivery_errors:
    sys.exit("FAILED %s: produce: %s" % (versions, delivery_errors))

c = Consumer(dict(security, **{"group.id": "py-sasl-" + uuid.uuid4().hex, "auto.offset.reset": "earliest"}))
c.subscribe([topic])
values = []
deadline = time.time() + 60
while len(values) < 3 and time.time() < deadline:
    m = c.poll(0.2)
    if m is not None and m.error() is None:
        values.append(m.value().decode())
c.close()
for v in values:
    print(v)
if values != ["one", "two", "three"]:
    sys.exit("FAILED %s: consumed %s" % (versions, values))
print("OK %s" % versions)
