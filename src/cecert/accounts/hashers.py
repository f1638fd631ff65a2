"""Argon2id tuned for this platform (see docs/decisions/0003-argon2-parameters.md)."""

from django.contrib.auth.hashers import Argon2PasswordHasher


class TunedArgon2PasswordHasher(Argon2PasswordHasher):
    algorithm = "argon2"
    # 64 MiB, 2 passes, 2 lanes: ~60 ms per hash on the 2-core reference machine,
    # slow enough to resist offline guessing, fast enough for the year-end login rush.
    time_cost = 2
    memory_cost = 65536
    parallelism = 2


class FastTestPasswordHasher(Argon2PasswordHasher):
    """Only for the test suite: same algorithm, minimal cost."""

    time_cost = 1
    memory_cost = 256
    parallelism = 1
