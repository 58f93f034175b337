"""The stages of the request path, one module each, in the order ``proxy.pipeline`` runs them:
``extract`` -> ``detect`` -> ``decide`` -> ``transform`` -> ``audit`` -> ``route`` -> ``restore``
-> ``outcome``. Each is a thin step over the package that does the work (``proxy.detect``,
``proxy.decide``, ...)."""
