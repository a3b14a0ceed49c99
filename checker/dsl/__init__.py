"""The spec language: grammar, parser, AST and printer. The only package that imports lark."""

from checker.dsl.parser import parse, parse_bytes, parse_source

__all__ = ["parse", "parse_bytes", "parse_source"]
