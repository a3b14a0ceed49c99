"""`capcheck completion bash|zsh`: a shell completion script generated from the argparse
parser itself (app.build_parser), so it knows every command, option and choice there is,
and cannot fall behind them.

What completes: the commands; each command's options; an option's choices (`--engine
explicit|smt`, `--format ...`); a directory after an option whose value is a directory
(`--render DIR`, `--itf DIR`); a file after one whose value is a file; and for a
command's positional argument, `.cap` files where it is a spec and any file otherwise.
Deterministic: the parser's order.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

from checker.cli.output import EXIT_OK, emit

SHELLS = ("bash", "zsh")


@dataclass(frozen=True)
class Option:
    """One option of a command: its spellings, what its value is (None: it takes none;
    'dir', 'file' or 'text'), its choices and its help's first sentence."""

    names: tuple[str, ...]
    value: str | None
    choices: tuple[str, ...]
    help: str


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    options: tuple[Option, ...]
    positional: str            # 'spec' (.cap files), 'file', or '' (none)


def add_completion_command(commands, root: argparse.ArgumentParser) -> None:
    """`capcheck completion SHELL`; `root` is the whole parser, whose commands it completes."""
    cmd = commands.add_parser(
        "completion", help="print a shell completion script (bash or zsh)",
        description="Print a completion script for bash or zsh, generated from capcheck's own options. "
                    "bash: add 'eval \"$(capcheck completion bash)\"' to ~/.bashrc; zsh: write it to a file "
                    "named _capcheck in a directory of $fpath (or eval it after compinit).",
        epilog="exit codes: 0 printed, 2 bad usage")
    cmd.add_argument("shell", choices=SHELLS, help="the shell: bash or zsh")
    cmd.set_defaults(run=cmd_completion, root_parser=root)


def cmd_completion(args: argparse.Namespace) -> int:
    found = commands_of(args.root_parser)
    emit(bash(found) if args.shell == "bash" else zsh(found))
    return EXIT_OK


def commands_of(parser: argparse.ArgumentParser) -> list[Command]:
    """Every command of the parser, with its options, as data."""
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))  # noqa: SLF001
    helps = {c.dest: c.help or "" for c in sub._choices_actions}  # noqa: SLF001
    out = []
    for name, cmd in sub.choices.items():
        options, positional = [], ""
        for action in cmd._actions:  # noqa: SLF001 - argparse has no public walk of its actions
            if action.option_strings:
                options.append(Option(tuple(action.option_strings), _value_kind(action),
                                      tuple(map(str, action.choices or ())), _first_sentence(action.help)))
            elif action.dest != "help":
                positional = "spec" if (action.metavar or "") == "SPEC" else positional or "file"
                if action.choices:
                    positional = "choices:" + " ".join(action.choices)
        out.append(Command(name, _first_sentence(helps.get(name, "")), tuple(options), positional))
    return out


def _value_kind(action: argparse.Action) -> str | None:
    if action.nargs == 0:
        return None
    metavar = str(action.metavar or action.dest).upper()
    if "DIR" in metavar:
        return "dir"
    if any(w in metavar for w in ("FILE", "PATH", "SPEC", "TRACE", "HTML")):
        return "file"
    return "text"


def _first_sentence(text: str | None) -> str:
    if not text or text == argparse.SUPPRESS:
        return ""
    text = text.replace("%%", "%").split(". ")[0].split("; ")[0]
    return text if len(text) <= 70 else text[:67].rsplit(" ", 1)[0] + "..."


# ---------------------------------------------------------------- bash


def bash(commands: list[Command]) -> str:
    """A bash completion script: a function `_capcheck` and `complete -F` for it."""
    names = " ".join(c.name for c in commands)
    out = ["# capcheck completion for bash: eval \"$(capcheck completion bash)\"",
           "_capcheck() {",
           '    local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}"',
           "    COMPREPLY=()",
           "    if [ \"$COMP_CWORD\" -eq 1 ]; then",
           f'        COMPREPLY=( $(compgen -W "{names} --help --version" -- "$cur") )',
           "        return",
           "    fi",
           '    case "${COMP_WORDS[1]}" in']
    for c in commands:
        out += [f"    {c.name})", '        case "$prev" in']
        out += [f"            {'|'.join(o.names)}) {_bash_value(o)}; return;;" for o in c.options if o.value]
        out += ["        esac",
                '        if [[ "$cur" == -* ]]; then',
                f'            COMPREPLY=( $(compgen -W "{" ".join(n for o in c.options for n in o.names)}" -- "$cur") )',
                f"        else {_bash_positional(c.positional)}; fi",
                "        ;;"]
    out += ["    esac", "}", "complete -o filenames -o bashdefault -F _capcheck capcheck"]
    return "\n".join(out)


def _bash_value(o: Option) -> str:
    if o.choices:
        return f'COMPREPLY=( $(compgen -W "{" ".join(o.choices)}" -- "$cur") )'
    if o.value == "dir":
        return 'COMPREPLY=( $(compgen -d -- "$cur") )'
    if o.value == "file":
        return 'COMPREPLY=( $(compgen -f -- "$cur") )'
    return ":"


def _bash_positional(kind: str) -> str:
    if kind.startswith("choices:"):
        return f'COMPREPLY=( $(compgen -W "{kind[8:]}" -- "$cur") )'
    if kind == "spec":
        return "COMPREPLY=( $(compgen -d -- \"$cur\") $(compgen -f -X '!*.cap' -- \"$cur\") )"
    if kind == "file":
        return 'COMPREPLY=( $(compgen -f -- "$cur") )'
    return ":"


# ---------------------------------------------------------------- zsh


def zsh(commands: list[Command]) -> str:
    """A zsh completion function (`#compdef capcheck`), with each option's help."""
    out = ["#compdef capcheck",
           "# capcheck completion for zsh: save as _capcheck in a directory of $fpath",
           "_capcheck() {",
           "    local -a commands",
           "    commands=(" + " ".join(_zq(f"{c.name}:{c.help}") for c in commands) + ")",
           "    if (( CURRENT == 2 )); then",
           "        _describe -t commands 'capcheck command' commands",
           "        return",
           "    fi",
           "    case $words[2] in"]
    for c in commands:
        specs = [_zq(spec) for o in c.options for spec in _zsh_option(o)] + [_zq(_zsh_positional(c.positional))]
        out += [f"    {c.name})", "        shift words; (( CURRENT-- ))",
                "        _arguments -s " + " \\\n            ".join(s for s in specs if s != "''") + " ;;"]
    out += ["    esac", "}", '_capcheck "$@"']
    return "\n".join(out)


def _zsh_option(o: Option) -> list[str]:
    """One _arguments spec per spelling: `--engine[help]:engine:(explicit smt)`."""
    helped = f"[{_zh(o.help)}]"
    value = ""
    if o.value:
        action = f"({' '.join(o.choices)})" if o.choices else "_files -/" if o.value == "dir" else \
            "_files" if o.value == "file" else " "
        value = f":{o.names[-1].lstrip('-')}:{action}"
    return [f"{name}{helped}{value}" for name in o.names]


def _zsh_positional(kind: str) -> str:
    if kind.startswith("choices:"):
        return f"1:argument:({kind[8:]})"
    if kind == "spec":
        return "*:spec:_files -g '*.cap'"
    if kind == "file":
        return "*:file:_files"
    return ""


def _zh(text: str) -> str:
    """Help text for inside `[...]` of an _arguments spec."""
    return text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]").replace(":", "\\:")


def _zq(text: str) -> str:
    """`text` as one single-quoted shell word."""
    return "'" + text.replace("'", "'\\''") + "'"
