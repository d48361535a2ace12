"""NAR hash of a path against nix-hash (Debian nix-bin, offline) and against a
small independent NAR writer in this file + hashlib."""
import hashlib
import os
import stat
import struct

import pytest

import chunker
from conftest import need_program, random_bytes, run


def _str(b):
    return struct.pack("<Q", len(b)) + b + b"\0" * (-len(b) % 8)


def nar_bytes(path):
    """Nix's archive format, written from the format description (docs/nix.md)."""
    def node(p):
        st = os.lstat(p)
        out = _str(b"(")
        if stat.S_ISLNK(st.st_mode):
            out += _str(b"type") + _str(b"symlink") + _str(b"target") + _str(os.fsencode(os.readlink(p)))
        elif stat.S_ISDIR(st.st_mode):
            out += _str(b"type") + _str(b"directory")
            for name in sorted(os.listdir(os.fsencode(p))):
                out += _str(b"entry") + _str(b"(") + _str(b"name") + _str(name) + _str(b"node")
                out += node(os.path.join(os.fsencode(p), name)) + _str(b")")
        else:
            out += _str(b"type") + _str(b"regular")
            if st.st_mode & 0o100:
                out += _str(b"executable") + _str(b"")
            with open(p, "rb") as f:
                out += _str(b"contents") + _str(f.read())
        return out + _str(b")")
    return _str(b"nix-archive-1") + node(path)


def make_tree(t):
    os.makedirs(t / "sub" / "deeper")
    os.makedirs(t / "emptydir")
    (t / "empty").write_bytes(b"")
    (t / "seven").write_bytes(b"1234567")
    (t / "run.sh").write_bytes(b"#!/bin/sh\necho hi\n")
    os.chmod(t / "run.sh", 0o755)
    (t / "sub" / "big.bin").write_bytes(random_bytes(200003, 42))
    for n in ["a-b", "a.b", "a0", "aB", "a_b", "ab", "Z", "\u00e9t\u00e9", "with space"]:
        (t / n).write_text(n + "\n")
    os.symlink("run.sh", t / "link")
    os.symlink("../sub", t / "sub" / "deeper" / "up")


def nix_hash(path, state):
    env = dict(os.environ, NIX_STATE_DIR=f"{state}/state", NIX_STORE_DIR=f"{state}/store",
               NIX_LOG_DIR=f"{state}/log", NIX_CONF_DIR=f"{state}/conf", NIX_REMOTE="", HOME=str(state))
    return run(["nix-hash", "--type", "sha256", "--base32", str(path)], env=env).decode().strip()


def test_nar_hash_tree_and_single_objects(tmp_path):
    need_program("nix-hash")
    t = tmp_path / "tree"
    make_tree(t)
    (tmp_path / "plain").write_bytes(b"just a file")
    os.symlink("target", tmp_path / "sym")
    for p in [t, t / "sub", tmp_path / "plain", tmp_path / "sym", t / "emptydir", t / "run.sh"]:
        h = chunker.nar_hash(p)
        nar = nar_bytes(str(p))
        assert h.hash == "sha256:" + nix_hash(p, tmp_path / "nix"), p
        assert h.digest == hashlib.sha256(nar).digest()
        assert h.size == len(nar)
        assert str(h) == h.hash


def test_nar_hash_missing_path(tmp_path):
    with pytest.raises(chunker.ChunkerError) as e:
        chunker.nar_hash(tmp_path / "nope")
    assert e.value.code == "ERR_IO"
    assert "nope" in str(e.value)
