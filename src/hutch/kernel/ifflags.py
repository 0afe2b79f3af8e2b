"""Bring a network interface up with one ioctl (no netlink needed for lo)."""

import _socket
import fcntl
import sys

SIOCGIFFLAGS = 0x8913
SIOCSIFFLAGS = 0x8914
IFF_UP = 0x1


def set_up(ifname="lo"):
    s = _socket.socket(_socket.AF_INET, _socket.SOCK_DGRAM, 0)
    try:
        # struct ifreq: char ifr_name[16]; short ifr_flags; padding to 32
        name = ifname.encode().ljust(16, b"\0")[:16]
        got = fcntl.ioctl(s.fileno(), SIOCGIFFLAGS, name + bytes(16))
        flags = int.from_bytes(got[16:18], sys.byteorder) | IFF_UP
        fcntl.ioctl(s.fileno(), SIOCSIFFLAGS,
                    name + flags.to_bytes(2, sys.byteorder) + bytes(14))
    except OSError as e:
        raise OSError(e.errno, e.strerror, ifname) from None
    finally:
        s.close()
