"""Request schemas: for every field of every endpoint, whether it is scanned, allowed or refused."""
