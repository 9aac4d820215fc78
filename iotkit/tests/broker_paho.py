"""paho-mqtt 2.x (MQTT 3.1.1 and 5) against `iotkit broker`.

Usage: python3 broker_paho.py HOST PORT. Run by `paho_v311_and_v5_clients` in
tests/broker.rs. Every wait is bounded; exits non-zero on the first failure and
prints "paho: all ok" when everything passed.
"""

import queue
import sys
import uuid

import paho.mqtt.client as mqtt
from paho.mqtt.properties import Properties
from paho.mqtt.packettypes import PacketTypes

TIMEOUT = 10


def client(host, port, protocol, name):
    c = mqtt.Client(
        mqtt.CallbackAPIVersion.VERSION2,
        client_id=f"paho-{name}-{uuid.uuid4().hex[:8]}",
        protocol=protocol,
    )
    events = queue.Queue()
    c.on_connect = lambda cl, ud, flags, rc, props: events.put(("connack", rc))
    c.on_subscribe = lambda cl, ud, mid, rcs, props: events.put(("suback", rcs))
    c.on_message = lambda cl, ud, msg: events.put(("message", msg))
    c.on_publish = lambda cl, ud, mid, rc, props: events.put(("puback", mid))
    c.connect(host, port, keepalive=30)
    c.loop_start()
    return c, events


def expect(events, kind):
    while True:
        got, value = events.get(timeout=TIMEOUT)
        if got == kind:
            return value


def check(protocol, label, host, port):
    sub, sub_ev = client(host, port, protocol, "sub")
    rc = expect(sub_ev, "connack")
    assert not rc.is_failure, f"{label}: sub connack {rc}"
    sub.subscribe(f"paho/{label}/+", qos=1)
    rcs = expect(sub_ev, "suback")
    assert [int(r.value) for r in rcs] == [1], f"{label}: suback {rcs}"

    pub, pub_ev = client(host, port, protocol, "pub")
    rc = expect(pub_ev, "connack")
    assert not rc.is_failure, f"{label}: pub connack {rc}"
    props = None
    if protocol == mqtt.MQTTv5:
        props = Properties(PacketTypes.PUBLISH)
        props.UserProperty = [("device", "thermo-1"), ("unit", "C")]
    info = pub.publish(f"paho/{label}/temp", b"21.5", qos=1, properties=props)
    expect(pub_ev, "puback")
    assert info.rc == mqtt.MQTT_ERR_SUCCESS

    msg = expect(sub_ev, "message")
    assert msg.topic == f"paho/{label}/temp", msg.topic
    assert msg.payload == b"21.5", msg.payload
    assert msg.qos == 1, msg.qos
    if protocol == mqtt.MQTTv5:
        got = getattr(msg.properties, "UserProperty", None)
        assert got == [("device", "thermo-1"), ("unit", "C")], f"user properties {got}"
    for c in (sub, pub):
        c.disconnect()
        c.loop_stop()
    print(f"paho: {label} ok")


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    check(mqtt.MQTTv311, "v311", host, port)
    check(mqtt.MQTTv5, "v5", host, port)
    print("paho: all ok")


if __name__ == "__main__":
    main()
