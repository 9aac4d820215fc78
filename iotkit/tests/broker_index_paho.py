"""paho-mqtt 2.x MQTT 5 clients against `iotkit broker`: shared subscriptions
and overlapping subscriptions.

Usage: python3 broker_index_paho.py HOST PORT. Run by
`paho_v5_shared_and_overlapping_subscriptions` in tests/broker_index.rs. Every
wait is bounded; exits non-zero on the first failure and prints
"paho: all ok" when everything passed.
"""

import queue
import sys
import uuid

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

TIMEOUT = 10


def client(host, port, name):
    c = mqtt.Client(
        mqtt.CallbackAPIVersion.VERSION2,
        client_id=f"paho-{name}-{uuid.uuid4().hex[:8]}",
        protocol=mqtt.MQTTv5,
    )
    events = queue.Queue()
    c.on_connect = lambda cl, ud, flags, rc, props: events.put(("connack", (rc, props)))
    c.on_subscribe = lambda cl, ud, mid, rcs, props: events.put(("suback", rcs))
    c.on_message = lambda cl, ud, msg: events.put(("message", msg))
    c.on_publish = lambda cl, ud, mid, rc, props: events.put(("puback", mid))
    c.connect(host, port, keepalive=30)
    c.loop_start()
    rc, props = expect(events, "connack")
    assert not rc.is_failure, f"{name}: connack {rc}"
    return c, events, props


def expect(events, kind):
    while True:
        got, value = events.get(timeout=TIMEOUT)
        if got == kind:
            return value


def messages(events, quiet):
    """Every message that arrives until nothing came for `quiet` seconds."""
    out = []
    while True:
        try:
            got, value = events.get(timeout=quiet)
        except queue.Empty:
            return out
        if got == "message":
            out.append(value)


def subscribe(c, events, topic, qos, sub_id=None):
    props = None
    if sub_id is not None:
        props = Properties(PacketTypes.SUBSCRIBE)
        props.SubscriptionIdentifier = sub_id
    c.subscribe(topic, qos=qos, properties=props)
    rcs = expect(events, "suback")
    assert [int(r.value) for r in rcs] == [qos], f"{topic}: suback {rcs}"


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    a, a_ev, props = client(host, port, "member-a")
    # MQTT 5 3.2.2.3.13: Shared Subscription Available, absent or 1 = supported.
    assert getattr(props, "SharedSubscriptionAvailable", 1) == 1, props
    b, b_ev, _ = client(host, port, "member-b")
    subscribe(a, a_ev, "$share/grp/paho/jobs/#", 1)
    subscribe(b, b_ev, "$share/grp/paho/jobs/#", 1)

    o, o_ev, _ = client(host, port, "overlap")
    subscribe(o, o_ev, "paho/ov/+", 0, sub_id=5)
    subscribe(o, o_ev, "paho/ov/#", 1, sub_id=6)

    p, p_ev, _ = client(host, port, "pub")
    for i in range(8):
        p.publish("paho/jobs/x", f"j{i}".encode(), qos=1)
        expect(p_ev, "puback")
    p.publish("paho/ov/a", b"once", qos=1)
    expect(p_ev, "puback")

    got_a = [m.payload for m in messages(a_ev, 1.0)]
    got_b = [m.payload for m in messages(b_ev, 0.2)]
    # 4.8.2: each message to one member of the group only.
    assert sorted(got_a + got_b) == [f"j{i}".encode() for i in range(8)], (got_a, got_b)
    assert got_a and got_b, f"round robin: {got_a} {got_b}"
    print("paho: shared ok")

    got = messages(o_ev, 0.5)
    # MQTT-3.3.4-2/-3: one copy, the highest QoS, both subscription ids.
    assert len(got) == 1, [m.payload for m in got]
    msg = got[0]
    assert msg.payload == b"once" and msg.qos == 1, (msg.payload, msg.qos)
    ids = getattr(msg.properties, "SubscriptionIdentifier", None)
    assert sorted(ids) == [5, 6], ids
    print("paho: overlapping ok")

    for c in (a, b, o, p):
        c.disconnect()
        c.loop_stop()
    print("paho: all ok")


if __name__ == "__main__":
    main()
