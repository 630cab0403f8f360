"""Following one direction of an SSH connection from outside, for fault injection.

With an encrypt-then-MAC algorithm (e.g. hmac-sha2-256-etm@openssh.com with aes128-ctr)
the packet length stays in clear (OpenSSH PROTOCOL §1.5), so packet boundaries are
visible: the version line, then plaintext packets up to and including NEWKEYS, then
packets of uint32 length || ciphertext || MAC.
"""
import struct
import threading

MSG_NEWKEYS = 21


class PacketCutter:
    """A ChaosProxy s2c filter: on the connections it is armed for, forwards the server's
    stream up to the start of its `cut_before`-th packet after NEWKEYS (0 = the first
    encrypted one) and drops everything after, as if that packet and all behind it were
    lost. `cut` is set once that happened; the test then resets the connection."""

    def __init__(self, cut_before, mac_len=32, conn_after=0):
        self.cut_before = cut_before
        self.mac_len = mac_len
        self.conn_after = conn_after  # only connections with a larger id
        self.conn = None
        self.buf = b""
        self.banner_done = False
        self.encrypted = False
        self.index = 0
        self.cut = threading.Event()

    def __call__(self, conn_id, data):
        if conn_id <= self.conn_after:
            return data
        if self.conn is None:
            self.conn = conn_id
        if conn_id != self.conn:
            return data
        if self.cut.is_set():
            return b""
        self.buf += data
        out = b""
        while True:
            unit = self._next_unit()
            if unit is None:
                return out
            n, encrypted = unit
            if encrypted:
                if self.index == self.cut_before:
                    self.cut.set()
                    return out
                self.index += 1
            elif self.banner_done and self._is_newkeys():
                self.encrypted = True  # the packets after this one
            if not self.banner_done:
                self.banner_done = True
            out += self.buf[:n]
            self.buf = self.buf[n:]

    def _is_newkeys(self):
        length, padding = struct.unpack(">IB", self.buf[:5])
        return length > padding + 1 and self.buf[5] == MSG_NEWKEYS

    def _next_unit(self):
        """(length, encrypted) of the next complete unit in buf: the version line or a
        packet; None while incomplete."""
        if not self.banner_done:
            end = self.buf.find(b"\r\n")
            return None if end < 0 else (end + 2, False)
        if len(self.buf) < 6:
            return None
        length = struct.unpack(">I", self.buf[:4])[0]
        total = 4 + length + (self.mac_len if self.encrypted else 0)
        return None if len(self.buf) < total else (total, self.encrypted)
