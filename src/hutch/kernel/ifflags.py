"""Bring a network interface up with one ioctl (no netlink needed for lo)."""

import _socket
import fcntl
import struct

SIOCGIFFLAGS = 0x8913
SIOCSIFFLAGS = 0x8914
IFF_UP = 0x1


def set_up(ifname="lo"):
    s = _socket.socket(_socket.AF_INET, _socket.SOCK_DGRAM, 0)
    try:
        req = struct.pack("16sH14x", ifname.encode(), 0)
        flags = struct.unpack("16sH14x", fcntl.ioctl(s.fileno(), SIOCGIFFLAGS, req))[1]
        fcntl.ioctl(s.fileno(), SIOCSIFFLAGS,
                    struct.pack("16sH14x", ifname.encode(), flags | IFF_UP))
    except OSError as e:
        raise OSError(e.errno, e.strerror, ifname) from None
    finally:
        s.close()
