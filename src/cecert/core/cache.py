"""Django's Redis cache backend, keeping one redis-py client per connection pool.

Django's ``RedisCacheClient.get_client`` builds a new ``redis.Redis`` object for every
cache operation, and each builds its table of ~170 response callbacks: on the public
verification page that cost more than the round trips themselves. A ``Redis`` object is
safe to share between threads; the connection pool underneath is shared either way.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import Any

import redis
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class SharedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        # Django's private helpers (not in its type stubs): the same pool choice as the parent's.
        index = self._get_connection_pool_index(write)  # type: ignore[attr-defined]
        client = self._clients.get(index)
        if client is None:
            pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
            client = self._clients[index] = self._client(connection_pool=pool)  # type: ignore[attr-defined]
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server: Any, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = SharedClientRedisCacheClient


class _Link(threading.local):
    """This thread's own connection for ``round_trip``, taken from no pool: each request's round trip
    then costs no pool check-out (lock, pid check, a socket poll for stale data) — measured, that and
    redis-py's reply parser were half the Redis cost of a public verification request."""

    def __init__(self) -> None:
        self.pool: Any = None
        self.pid = 0
        self.connection: Any = None
        self.reader: Any = None

    def open(self, pool: Any) -> tuple[Any, Any]:
        if self.connection is None or self.pool is not pool or self.pid != os.getpid():
            self.close(inherited=self.pid != os.getpid())
            # redis-py's connection class does the handshake (AUTH, SELECT, HELLO, TLS) from the URL.
            connection = pool.connection_class(**pool.connection_kwargs)
            connection.connect()
            self.pool, self.pid, self.connection = pool, os.getpid(), connection
            self.reader = connection._sock.makefile("rb")
        return self.connection, self.reader

    def close(self, *, inherited: bool = False) -> None:
        # A connection inherited through fork belongs to the parent: forget it, do not close it.
        if self.connection is not None and not inherited:
            self.reader.close()
            self.connection.disconnect()
        self.pool = self.connection = self.reader = None


_link = _Link()


def round_trip(client: Any, commands: Sequence[tuple[Any, ...]]) -> list[Any]:
    """Send ``commands`` to Redis in one write and read their replies (raw: bytes, int or None).

    What redis-py's non-transactional pipeline does, without its bookkeeping: the commands are
    encoded and the replies parsed here, on this thread's own connection to the server of
    ``client``. A connection that failed is dropped and the commands are sent once more on a fresh
    one, as redis-py's default retry would (if the first attempt reached the server before failing,
    a counter may count one extra request: the limit errs on the strict side). An error reply
    raises ``redis.ResponseError`` after every reply was read, so the connection stays usable.
    """
    payload = _pack(commands)
    for attempt in (1, 2):
        try:
            connection, reader = _link.open(client.connection_pool)
            connection._sock.sendall(payload)
            replies = [_reply(reader) for _ in commands]
        except (OSError, redis.ConnectionError, redis.TimeoutError) as error:
            _link.close()
            if attempt == 2:
                raise redis.ConnectionError(f"Redis round trip failed: {error}") from error
            continue
        except BaseException:
            _link.close()
            raise
        for reply in replies:
            if isinstance(reply, redis.ResponseError):
                raise reply
        return replies
    raise AssertionError("unreachable")


def _pack(commands: Sequence[tuple[Any, ...]]) -> bytes:
    """The commands in Redis's wire protocol (RESP): arrays of bulk strings."""
    out = bytearray()
    for command in commands:
        out += b"*%d\r\n" % len(command)
        for arg in command:
            if isinstance(arg, str):
                arg = arg.encode()
            elif isinstance(arg, int) and not isinstance(arg, bool):
                arg = b"%d" % arg
            elif not isinstance(arg, bytes):
                raise TypeError(f"Redis argument of type {type(arg).__name__}: {arg!r}")
            out += b"$%d\r\n%s\r\n" % (len(arg), arg)
    return bytes(out)


def _reply(reader: Any) -> Any:
    """One reply of the kinds our commands get (RESP2 and RESP3): simple string, integer, bulk
    string, null, boolean, error (returned, not raised, to keep reading in step)."""
    line = reader.readline()
    if not line.endswith(b"\r\n"):
        raise redis.ConnectionError("Redis closed the connection")
    kind, rest = line[:1], line[1:-2]
    if kind == b"$":
        size = int(rest)
        if size < 0:
            return None
        data = reader.read(size + 2)
        if len(data) != size + 2:
            raise redis.ConnectionError("Redis closed the connection")
        return data[:-2]
    if kind == b":":
        return int(rest)
    if kind == b"+":
        return rest
    if kind == b"_":
        return None
    if kind == b"#":
        return rest == b"t"
    if kind == b"-":
        return redis.ResponseError(rest.decode(errors="replace"))
    raise redis.ConnectionError(f"unexpected Redis reply {line[:20]!r}")
