"""Mechanisms: pure functions over arrays, one module each, named after what they model (DESIGN §3.3, §4)."""
