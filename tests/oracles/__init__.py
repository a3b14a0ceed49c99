"""Brute-force oracles and Hypothesis strategies: independent, slow, obviously right
implementations that the engines are compared with (the test modules beside them compare
whole engines; unit tests import these too). Importable as `oracles.<module>`."""
