// Runs one call of the official Bytez JavaScript client (bytez.js, unchanged) against a Bytez for .NET server and
// prints what the client returned as one JSON line. The C# tests start the server and assert on that output.
//
// The client has no option for a base URL: in dev mode it calls http://localhost:8080/models/v2/. The only thing
// this harness changes is where that address points: fetch is wrapped to send those calls to BYTEZ_TEST_BASE.
//
// Usage: node client.mjs <operation> [arguments as JSON, or - to read them from stdin (large media)]
//   listModels {"task"?, "modelId"?} | listTasks | run {"modelId", "input", "params"?, "stream"?, "providerKey"?} | details {"modelId"}
import Bytez from "bytez.js";

const base = process.env.BYTEZ_TEST_BASE; // e.g. http://127.0.0.1:41234/models/v2/
const key = process.env.BYTEZ_TEST_KEY ?? "";
if (!base) throw new Error("BYTEZ_TEST_BASE is not set");

const devBase = "http://localhost:8080/models/v2/";
const realFetch = globalThis.fetch;
globalThis.fetch = (url, init) => {
  const target = String(url).startsWith(devBase) ? base + String(url).slice(devBase.length) : url;
  return realFetch(target, init);
};

const [operation, rawArgs] = process.argv.slice(2);
async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}

const args = rawArgs === "-" ? JSON.parse(await readStdin()) : rawArgs ? JSON.parse(rawArgs) : {};
const sdk = new Bytez(key, true);

async function readStream(stream) {
  const chunks = [];
  for await (const chunk of stream) chunks.push(String(chunk));
  return { chunks };
}

let result;
switch (operation) {
  case "listModels":
    result = await sdk.list.models(args);
    break;
  case "listTasks":
    result = await sdk.list.tasks();
    break;
  case "details": {
    const model = sdk.model(args.modelId);
    // The constructor starts a list/models?modelId= request and fills model.details when it answers.
    for (let i = 0; i < 200 && model.details === undefined; i++) await new Promise(r => setTimeout(r, 25));
    result = { details: model.details };
    break;
  }
  case "run": {
    // providerKey: a closed-source model's key, which the client sends as the provider-key header.
    const model = sdk.model(args.modelId, args.providerKey);
    result = args.stream
      ? await model.run(args.input, args.params ?? undefined, true)
      : await model.run(args.input, args.params ?? undefined);
    if (result && typeof result[Symbol.asyncIterator] === "function") result = await readStream(result);
    break;
  }
  default:
    throw new Error(`unknown operation ${operation}`);
}

process.stdout.write(JSON.stringify(result === undefined ? null : result) + "\n");
