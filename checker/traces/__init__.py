"""Traces as users see and exchange them: ITF documents (`itf`), trace files and replay
arguments (`files`), the messages of a run (`traffic`) and the data of its sequence
diagram (`diagram`). Built on the compiled model; the renderers draw what is built here."""
