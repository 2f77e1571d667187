// Drives a Bytez for .NET server's MCP endpoint (BYTEZ_TEST_ROOT + "mcp") with the official MCP TypeScript SDK
// (@modelcontextprotocol/sdk, unchanged: its Client over the Streamable HTTP transport), sending BYTEZ_TEST_KEY as
// "Authorization: Bearer <key>", and prints what the client gave back as one JSON line.
//
// Usage: node mcp.mjs <operation> <arguments as JSON>
//   tools | call {name, arguments, progress?} | resources | templates | read {uri}
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const root = process.env.BYTEZ_TEST_ROOT; // e.g. http://127.0.0.1:41234/
if (!root) throw new Error("BYTEZ_TEST_ROOT is not set");
const key = process.env.BYTEZ_TEST_KEY ?? "";

const [operation, rawArgs] = process.argv.slice(2);
const args = rawArgs ? JSON.parse(rawArgs) : {};

const client = new Client({ name: "bytez-conformance", version: "1.0.0" });
const transport = new StreamableHTTPClientTransport(new URL(root + "mcp"), {
  requestInit: { headers: { Authorization: `Bearer ${key}` } },
});

async function run() {
  await client.connect(transport);
  switch (operation) {
    case "tools":
      return (await client.listTools()).tools;
    case "call": {
      const progress = [];
      const options = args.progress ? { onprogress: p => progress.push(p) } : undefined;
      const result = await client.callTool({ name: args.name, arguments: args.arguments ?? {} }, undefined, options);
      return { result, progress };
    }
    case "resources":
      return (await client.listResources()).resources;
    case "templates":
      return (await client.listResourceTemplates()).resourceTemplates;
    case "read":
      return await client.readResource({ uri: args.uri });
    default:
      throw new Error(`unknown operation ${operation}`);
  }
}

let output;
try {
  output = { ok: await run() };
} catch (e) {
  output = { error: { name: e.constructor?.name ?? null, code: e.code ?? null, message: e.message } };
} finally {
  await client.close().catch(() => {});
}

process.stdout.write(JSON.stringify(output) + "\n");
