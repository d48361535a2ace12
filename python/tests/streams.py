"""File objects for tests and benchmarks."""
import io


class NoFd(io.RawIOBase):
    """A readable file object without fileno(): the package must read it
    through the streaming API instead of the file-descriptor path."""

    def __init__(self, f):
        self.f = f

    def readable(self):
        return True

    def readinto(self, b):
        return self.f.readinto(b)
