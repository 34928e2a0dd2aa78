"""The xAPI 1.0.3 Learning Record Store (mounted at /xapi) and cmi5 launch."""
