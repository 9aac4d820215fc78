"""paho-mqtt 2.x over WebSocket (ws or wss) against `iotkit broker`.

Usage: python3 broker_net_paho.py HOST PORT PREFIX CLIENT_PREFIX [CA CERT KEY]
With CA, CERT and KEY the connection is wss with that client certificate.
For MQTT 3.1.1 and 5 in turn: a subscriber on PREFIX/{version}/+ and a
publisher (QoS 1) exchange one message over path /mqtt. Run by
tests/broker_net.rs; every wait is bounded; prints "paho ws: all ok".
"""

import queue
import sys

import paho.mqtt.client as mqtt

TIMEOUT = 10


def client(args, protocol, name):
    host, port, _prefix, client_prefix = args[:4]
    c = mqtt.Client(
        mqtt.CallbackAPIVersion.VERSION2,
        client_id=f"{client_prefix}{name}",
        protocol=protocol,
        transport="websockets",
    )
    c.ws_set_options(path="/mqtt")
    if len(args) == 7:
        c.tls_set(ca_certs=args[4], certfile=args[5], keyfile=args[6])
    events = queue.Queue()
    c.on_connect = lambda cl, ud, flags, rc, props: events.put(("connack", rc))
    c.on_subscribe = lambda cl, ud, mid, rcs, props: events.put(("suback", rcs))
    c.on_message = lambda cl, ud, msg: events.put(("message", msg))
    c.on_publish = lambda cl, ud, mid, rc, props: events.put(("puback", mid))
    c.connect(host, int(port), keepalive=30)
    c.loop_start()
    return c, events


def expect(events, kind):
    while True:
        got, value = events.get(timeout=TIMEOUT)
        if got == kind:
            return value


def check(args, protocol, label):
    prefix = args[2]
    sub, sub_ev = client(args, protocol, f"sub-{label}")
    rc = expect(sub_ev, "connack")
    assert not rc.is_failure, f"{label}: sub connack {rc}"
    sub.subscribe(f"{prefix}/{label}/+", qos=1)
    rcs = expect(sub_ev, "suback")
    assert [int(r.value) for r in rcs] == [1], f"{label}: suback {rcs}"

    pub, pub_ev = client(args, protocol, f"pub-{label}")
    rc = expect(pub_ev, "connack")
    assert not rc.is_failure, f"{label}: pub connack {rc}"
    payload = bytes(range(256)) * 4  # binary, larger than one small frame
    pub.publish(f"{prefix}/{label}/data", payload, qos=1)
    expect(pub_ev, "puback")
    msg = expect(sub_ev, "message")
    assert msg.topic == f"{prefix}/{label}/data", msg.topic
    assert msg.payload == payload, "payload differs"
    assert msg.qos == 1, msg.qos
    for c in (pub, sub):
        c.disconnect()
        c.loop_stop()
    print(f"paho ws {label}: ok")


def main():
    args = sys.argv[1:]
    check(args, mqtt.MQTTv311, "v311")
    check(args, mqtt.MQTTv5, "v5")
    print("paho ws: all ok")


if __name__ == "__main__":
    main()
