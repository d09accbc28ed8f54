"""`Settings`: the base of small objects that are nothing but their settings."""

import json


class Settings:
    """An object defined by its `get_config()`: rebuilt by `from_config`, equal to
    another of its class with the same config, and hashable by that config.

    Decoding strategies, their processors and the scheduled-sampling schedules are
    such objects: two made with the same arguments decode or schedule alike, so they
    may share a cached compiled function.
    """

    def get_config(self):
        raise NotImplementedError

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __eq__(self, other):
        return type(self) is type(other) and self.get_config() == other.get_config()

    def __hash__(self):
        return hash((type(self).__name__, json.dumps(self.get_config(), sort_keys=True)))
