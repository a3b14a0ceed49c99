"""Editor support: what a language server says about a spec (`analysis.py`, pure, no
editor library) and the server that says it over the Language Server Protocol (`server.py`,
the only module that imports pygls, an optional dependency: `pip install capcheck[lsp]`)."""
