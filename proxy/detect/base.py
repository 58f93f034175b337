"""Where ``proxy.detect.special`` finds the base of our recognizers (it moves into
``proxy.detect.recognizers`` with it; see ``proxy.detect.recognizers.base``)."""

from proxy.detect.recognizers.base import OwnRecognizer

__all__ = ["OwnRecognizer"]
