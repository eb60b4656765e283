#!/usr/bin/env python3
"""One bounded iperf3 run between two lab namespaces, read from JSON (-J):
how many bytes the client sent and how many the server itself received
(with -R, the other way round).

A check on volume, not on speed (`make bench` measures speed): a rate
above zero proves nothing, but "the receiver counted at least 90% of the
bytes the sender sent, and that was megabytes" fails when frames are lost,
truncated or stall.

    r = iperf_volume(ug, "out", "10.88.0.1", "g1", ["-t", "2"])
    ok, why = r.enough(min_mb=10)
"""
import json
import subprocess
import time

# A TCP sender's count includes what it had written but not yet had
# acknowledged when the client stopped: up to its socket's send buffer,
# whose ceiling is the largest of tcp_wmem (4 MiB by default). On a slow
# path that tail is more than a tenth of a 2 s run (test_offload, a port
# that takes no GSO: 2.3 MB of 22.4 MB, 89.8%), and TCP loses nothing it
# does not send again, so a TCP shortfall within it is no loss; the
# receiver must still count (min_mb) itself. UDP keeps the share alone.
TCP_SEND_TAIL = 4 << 20


class Volume:
    """The result of one run: bytes sent (client's count), bytes received
    (the server's own count), seconds, and what went wrong if anything."""

    def __init__(self, sent=0, received=0, seconds=0.0, error="", tcp=True):
        self.sent, self.received, self.seconds, self.error = sent, received, seconds, error
        self.tcp = tcp

    def mbit(self):
        return self.received * 8 / self.seconds / 1e6 if self.seconds else 0.0

    def enough(self, min_mb, min_share=0.9):
        """True if the sender sent at least (min_mb) MB and the receiver
        counted at least (min_share) of it (over TCP: or all of it but a
        send buffer's tail, TCP_SEND_TAIL, and at least (min_mb) MB itself);
        with a reason when not."""
        if self.error:
            return False, self.error
        if self.sent < min_mb * 1e6:
            return False, "sent %d bytes, less than %d MB" % (self.sent, min_mb)
        short = self.sent - self.received
        if self.received < min_share * self.sent and not (
                self.tcp and short <= TCP_SEND_TAIL and self.received >= min_mb * 1e6):
            return False, "received %d of %d bytes sent (%.1f%%, need %d%%%s)" % (
                self.received, self.sent, 100.0 * self.received / self.sent, min_share * 100,
                " or all but %d bytes" % TCP_SEND_TAIL if self.tcp else "")
        return True, ""

    def __str__(self):
        return "%.1f MB sent, %.1f MB received in %.1f s" % (
            self.sent / 1e6, self.received / 1e6, self.seconds)


def _json(text):
    """The JSON object in (text) (iperf3 -J prints one), or None."""
    start = text.find("{")
    try:
        return json.loads(text[start:]) if start >= 0 else None
    except ValueError:
        return None


def iperf_volume(ug, server_ns, server_addr, client_ns, args, timeout=30):
    """Runs `iperf3 -s -1 -J` in lab namespace (server_ns) bound to
    (server_addr) (killed by PID at lab close if it hangs) and
    `iperf3 -c server_addr -J ARGS` in (client_ns). Returns a Volume."""
    srv = ug.spawn(server_ns, ["iperf3", "-s", "-1", "-J", "-B", server_addr])
    time.sleep(0.5)
    try:
        # A server that never answers must not hang the client past (timeout).
        cli = ug.ns(client_ns).run("iperf3 -J --connect-timeout 3000 -c %s %s"
                                   % (server_addr, " ".join(args)), check=False, timeout=timeout)
    except subprocess.TimeoutExpired:
        cli = "client still running after %d s" % timeout
    try:
        srv_out = srv.communicate(timeout=15)[0]
    except subprocess.TimeoutExpired:
        srv.kill()
        srv_out = srv.communicate()[0]
    c, s = _json(cli), _json(srv_out)
    if c is None or "end" not in c or "sum_sent" not in c["end"]:
        return Volume(error="client: %s" % (c or {}).get("error", cli[-300:]))
    if s is None or "end" not in s or "sum_received" not in s["end"]:
        return Volume(error="server: %s" % (s or {}).get("error", srv_out[-300:]))
    # With -R the server sends and the client receives.
    sender, receiver = (s, c) if "-R" in args else (c, s)
    if "sum_sent" not in sender["end"] or "sum_received" not in receiver["end"]:
        return Volume(error="no sum_sent or sum_received in the JSON of a run with %s" % args)
    sent = sender["end"]["sum_sent"]
    received = receiver["end"]["sum_received"]
    return Volume(int(sent["bytes"]), int(received["bytes"]), float(received["seconds"]),
                  tcp="-u" not in args)
