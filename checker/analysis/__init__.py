"""Analyses built on both engines and the pipeline: the CAP classification (`cap`) and
the SMT engine's results replayed and checked through the explicit semantics (`verify`).
The engines never import this package; explore and smt meet only here."""
