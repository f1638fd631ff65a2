"""Argon2id tuned for this platform (see docs/decisions/0003-argon2-parameters.md)."""

from django.contrib.auth.hashers import Argon2PasswordHasher


class TunedArgon2PasswordHasher(Argon2PasswordHasher):
    algorithm = "argon2"
    # 64 MiB, 2 passes, 2 lanes: slow enough to resist offline guessing. A verification costs ~0.115 s of
    # one core (the lanes overlap only when a second core is idle); the cores this means for the year-end
    # login rush are in bench/README.md ("The year-end rush").
    time_cost = 2
    memory_cost = 65536
    parallelism = 2


class FastTestPasswordHasher(Argon2PasswordHasher):
    """Only for the test suite: same algorithm, minimal cost."""

    time_cost = 1
    memory_cost = 256
    parallelism = 1
