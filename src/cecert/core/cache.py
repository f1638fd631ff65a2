"""Django's Redis cache backend, keeping one redis-py client per connection pool.

Django's ``RedisCacheClient.get_client`` builds a new ``redis.Redis`` object for every
cache operation, and each builds its table of ~170 response callbacks: on the public
verification page that cost more than the round trips themselves. A ``Redis`` object is
safe to share between threads; the connection pool underneath is shared either way.
"""

from __future__ import annotations

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


def round_trip(client: Any, commands: Sequence[tuple[Any, ...]]) -> list[Any]:
    """Send ``commands`` to Redis in one write and read their replies (raw, undecoded).

    What redis-py's non-transactional pipeline does, without its per-command bookkeeping (measured:
    a third of the Redis cost of a public verification request). A connection that failed is
    dropped and the commands are sent once more on a fresh one, as redis-py's default retry would
    (if the first attempt reached the server before failing, a counter may count one extra request:
    the limit errs on the strict side).
    """
    pool = client.connection_pool
    for attempt in (1, 2):
        connection = pool.get_connection()
        try:
            connection.send_packed_command(connection.pack_commands(commands))
            return [connection.read_response() for _ in commands]
        except (redis.ConnectionError, redis.TimeoutError):
            connection.disconnect()
            if attempt == 2:
                raise
        except BaseException:
            connection.disconnect()
            raise
        finally:
            pool.release(connection)
    raise AssertionError("unreachable")
