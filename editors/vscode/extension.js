// Starts `outcome lsp` for `.outcome` files; everything else is the server's.
"use strict";

const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const settings = vscode.workspace.getConfiguration("outcome");
  const command = settings.get("path") || "outcome";
  const server = { command, args: ["lsp"] };
  client = new LanguageClient(
    "outcome",
    "outcome",
    { run: server, debug: server },
    {
      documentSelector: [{ scheme: "file", language: "outcome" }, { scheme: "untitled", language: "outcome" }],
      // The server's settings (`outcome.inlayHints.*`): given at the start, and sent again
      // whenever they change.
      initializationOptions: { outcome: { inlayHints: settings.get("inlayHints") } },
      synchronize: { configurationSection: "outcome" },
    }
  );
  context.subscriptions.push(client);
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
