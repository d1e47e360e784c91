"""Django's own Redis cache backend, made to keep the API answering while Redis is unreachable.

`CACHE_URL=redis://…` selects it (see settings). Every node of the API shares
the throttle counters (and anything else cached) through Redis. When Redis
cannot be reached (or fails in any way the client reports), each operation falls back to this process's memory instead
of failing the request: asks, logins and everything else keep working, and the
throttles keep counting, per process, until Redis answers again (it is tried
again every `RETRY_AFTER` seconds). So throttles fail open to at most their rate
times the processes serving the API, never to no limit at all.
"""

from __future__ import annotations

import logging
import threading
import time

import environ
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache

logger = logging.getLogger(__name__)

DJANGO_REDIS_BACKEND = "django.core.cache.backends.redis.RedisCache"


def cache_config(url: str) -> dict:
    """The CACHES entry for a django-environ cache URL; Django's Redis backend becomes this module's.

    Redis operations get a one-second connect and read timeout, so an unreachable
    Redis costs a request at most that before the local stand-in answers.
    """
    config = environ.Env.cache_url_config(url)
    if config["BACKEND"] == DJANGO_REDIS_BACKEND:
        config["BACKEND"] = "chatAPI.cache.RedisCache"
        options = config.setdefault("OPTIONS", {})
        options.setdefault("socket_connect_timeout", 1)
        options.setdefault("socket_timeout", 1)
    return config


class RedisCache(DjangoRedisCache):
    """Redis shared by every node, with this process's memory standing in while Redis is down."""

    # Seconds between attempts to reach Redis again after it failed.
    RETRY_AFTER = 5.0

    def __init__(self, server, params):
        super().__init__(server, params)
        from redis.exceptions import RedisError

        # Refused, timed out, or something other than Redis answering: the shared cache is unusable.
        self._unreachable = RedisError
        local_params = {key: value for key, value in params.items() if key != "OPTIONS"}
        self._local = LocMemCache(f"chatapi-redis-fallback-{id(self)}", local_params)
        self._down_until = 0.0
        self._down_lock = threading.Lock()
        self._degraded = False

    def _call(self, name: str, *args, **kwargs):
        """Run one cache operation on Redis, or on the local stand-in while Redis is unreachable."""
        if time.monotonic() >= self._down_until:
            try:
                result = getattr(super(), name)(*args, **kwargs)
            except self._unreachable as exc:
                with self._down_lock:
                    self._down_until = time.monotonic() + self.RETRY_AFTER
                    self._degraded = True
                logger.error(
                    "Redis cache unreachable (%s); this process counts throttles in its own memory "
                    "and tries Redis again in %.0f s.",
                    type(exc).__name__,
                    self.RETRY_AFTER,
                )
            else:
                if self._degraded:
                    with self._down_lock:
                        self._degraded = False
                    logger.warning("Redis cache reachable again; throttles are shared again.")
                return result
        return getattr(self._local, name)(*args, **kwargs)

    @property
    def shared(self) -> bool:
        """Whether the last operations reached Redis (False while this process uses its own memory)."""
        return not self._degraded

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._call("get", key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", key, timeout, version)

    def delete(self, key, version=None):
        return self._call("delete", key, version)

    def get_many(self, keys, version=None):
        return self._call("get_many", keys, version)

    def has_key(self, key, version=None):
        return self._call("has_key", key, version)

    def incr(self, key, delta=1, version=None):
        return self._call("incr", key, delta, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", keys, version)

    def clear(self):
        return self._call("clear")
