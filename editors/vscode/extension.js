// The capcheck extension: starts `capcheck lsp` (diagnostics, hover, go to definition,
// outline) and adds the command "capcheck: Check the current spec", which saves the file
// and runs `capcheck check FILE` in a terminal. Highlighting and snippets are declarative
// (package.json). See docs/editors.md.
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const config = vscode.workspace.getConfiguration("capcheck");
  const program = config.get("path", "capcheck");
  context.subscriptions.push(vscode.commands.registerCommand("capcheck.checkFile", async () => {
    const editor = vscode.window.activeTextEditor;
    if (!editor || editor.document.languageId !== "capcheck") {
      return;
    }
    await editor.document.save();
    const terminal = vscode.window.createTerminal("capcheck");
    terminal.show();
    terminal.sendText(`${quote(program)} check ${quote(editor.document.uri.fsPath)}`);
  }));
  if (config.get("languageServer", true)) {
    const server = { command: program, args: ["lsp"] };
    client = new LanguageClient("capcheck", "capcheck", server,
                                { documentSelector: [{ scheme: "file", language: "capcheck" }] });
    client.start();
  }
}

function quote(text) {
  return /^[A-Za-z0-9_./-]+$/.test(text) ? text : `'${text.replace(/'/g, "'\\''")}'`;
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
