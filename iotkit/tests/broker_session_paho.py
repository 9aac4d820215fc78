"""paho-mqtt 2.x (MQTT 3.1.1 and 5) against `iotkit broker`: stored sessions,
inbound topic aliases and lifecycle events.

Usage: python3 broker_session_paho.py HOST PORT. Run by
`paho_v311_and_v5_persistent_sessions_aliases_and_lifecycle_events` in
tests/broker_session.rs. Every wait is bounded; exits non-zero on the first
failure and prints "paho sessions: all ok" when everything passed.
"""

import json
import queue
import sys
import uuid

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

TIMEOUT = 10


def client(host, port, protocol, client_id, persistent=False, expiry=60):
    kwargs = {}
    if protocol == mqtt.MQTTv311:
        kwargs["clean_session"] = not persistent
    c = mqtt.Client(
        mqtt.CallbackAPIVersion.VERSION2,
        client_id=client_id,
        protocol=protocol,
        **kwargs,
    )
    events = queue.Queue()
    c.on_connect = lambda cl, ud, flags, rc, props: events.put(("connack", (flags, rc, props)))
    c.on_subscribe = lambda cl, ud, mid, rcs, props: events.put(("suback", rcs))
    c.on_message = lambda cl, ud, msg: events.put(("message", msg))
    c.on_publish = lambda cl, ud, mid, rc, props: events.put(("puback", mid))
    c.on_disconnect = lambda cl, ud, flags, rc, props: events.put(("disconnect", rc))
    if protocol == mqtt.MQTTv5:
        props = Properties(PacketTypes.CONNECT)
        if persistent:
            props.SessionExpiryInterval = expiry
        c.connect(host, port, keepalive=30, clean_start=not persistent, properties=props)
    else:
        c.connect(host, port, keepalive=30)
    c.loop_start()
    flags, rc, props = expect(events, "connack")
    assert not rc.is_failure, f"{client_id}: connack {rc}"
    return c, events, flags, props


def expect(events, kind):
    while True:
        got, value = events.get(timeout=TIMEOUT)
        if got == kind:
            return value


def close(c, events):
    c.disconnect()
    expect(events, "disconnect")
    c.loop_stop()


def persistent_session(protocol, label, host, port):
    cid = f"paho-{label}-{uuid.uuid4().hex[:8]}"
    topic = f"paho-sess/{label}"
    sub, ev, flags, _ = client(host, port, protocol, cid, persistent=True)
    assert not flags.session_present, f"{label}: first CONNACK has no session"
    sub.subscribe(topic, qos=1)
    expect(ev, "suback")
    close(sub, ev)

    pub, pev, _, _ = client(host, port, protocol, f"{cid}-pub")
    pub.publish(topic, b"queued while offline", qos=1)
    expect(pev, "puback")

    sub, ev, flags, _ = client(host, port, protocol, cid, persistent=True)
    assert flags.session_present, f"{label}: Session Present 1 on reconnect"
    msg = expect(ev, "message")
    assert msg.topic == topic and msg.payload == b"queued while offline", f"{label}: {msg.payload}"
    close(sub, ev)
    close(pub, pev)
    print(f"{label}: stored session ok")


def topic_alias_and_lifecycle(host, port):
    cid = f"paho-alias-{uuid.uuid4().hex[:8]}"
    watch, wev, _, _ = client(host, port, mqtt.MQTTv5, f"{cid}-watch")
    watch.subscribe([("$aws/events/presence/+/+", 1), ("paho-alias/t", 1)])
    expect(wev, "suback")

    pub, pev, _, connack_props = client(host, port, mqtt.MQTTv5, cid)
    assert getattr(connack_props, "TopicAliasMaximum", 0) >= 1, "Topic Alias Maximum announced"
    for topic, body in (("paho-alias/t", b"one"), ("", b"two")):
        props = Properties(PacketTypes.PUBLISH)
        props.TopicAlias = 1
        pub.publish(topic, body, qos=1, properties=props)
        expect(pev, "puback")
    close(pub, pev)

    got, events = [], {}
    while len(got) < 2 or "disconnected" not in events:
        msg = expect(wev, "message")
        if msg.topic == "paho-alias/t":
            got.append(msg.payload)
            continue
        event = json.loads(msg.payload)
        if event["clientId"] == cid:
            events[event["eventType"]] = (msg.topic, event)
    assert got == [b"one", b"two"], got
    topic, on = events["connected"]
    assert topic == f"$aws/events/presence/connected/{cid}", topic
    topic, off = events["disconnected"]
    assert topic == f"$aws/events/presence/disconnected/{cid}", topic
    assert off["disconnectReason"] == "CLIENT_INITIATED_DISCONNECT", off
    assert off["clientInitiatedDisconnect"] is True, off
    for e in (on, off):
        for field in ("timestamp", "sessionIdentifier", "principalIdentifier", "ipAddress", "versionNumber"):
            assert field in e, (field, e)
    close(watch, wev)
    print("topic alias and lifecycle events ok")


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    persistent_session(mqtt.MQTTv311, "v311", host, port)
    persistent_session(mqtt.MQTTv5, "v5", host, port)
    topic_alias_and_lifecycle(host, port)
    print("paho sessions: all ok")


if __name__ == "__main__":
    main()
