"""restore stage."""
