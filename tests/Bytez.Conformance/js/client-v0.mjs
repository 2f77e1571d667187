// Runs one call of the official v1-era Bytez JavaScript client (bytez.js 0.4.2, unchanged, installed as the npm
// alias "bytez-v0") against a Bytez for .NET server, and prints what the client returned as one JSON line.
//
// That client always calls https://api.bytez.com/ and has no option to change it; the only thing this harness
// changes is where that address points: fetch is wrapped to send those calls to BYTEZ_TEST_ROOT (the server root).
//
// Usage: node client-v0.mjs <operation> [arguments as JSON]
//   listAll | byTask {"task"} | instances | start {"modelId", "options"?} | load {"modelId", "options"?}
//   status {"modelId"} | run {"modelId", "input", "options"?} | stop {"modelId"} | process {"modelId"}
import Bytez from "bytez-v0";

const root = process.env.BYTEZ_TEST_ROOT; // e.g. http://127.0.0.1:41234/
const key = process.env.BYTEZ_TEST_KEY ?? "";
if (!root) throw new Error("BYTEZ_TEST_ROOT is not set");

const hosted = "https://api.bytez.com/";
const realFetch = globalThis.fetch;
globalThis.fetch = (url, init) => {
  const target = String(url).startsWith(hosted) ? root + String(url).slice(hosted.length) : url;
  return realFetch(target, init);
};

const [operation, rawArgs] = process.argv.slice(2);
const args = rawArgs ? JSON.parse(rawArgs) : {};
const client = new Bytez(key);
const model = args.modelId ? client.model(args.modelId) : undefined;

let result;
switch (operation) {
  case "listAll": result = await client.list.models.all(); break;
  case "byTask": result = await client.list.models.byTask(args.task); break;
  case "instances": result = await client.list.instances(); break;
  case "start": result = await model.start(args.options); break;
  case "load": await model.load(args.options); result = await model.status(); break;
  case "status": result = await model.status(); break;
  case "stop": result = await model.stop(); break;
  case "process": result = await client.process(args.modelId); break;
  case "run": {
    result = await model.run(args.input, args.options ?? {});
    if (result && typeof result.getReader === "function") {
      const chunks = [];
      for await (const chunk of result.pipeThrough(new TextDecoderStream())) chunks.push(chunk);
      result = { chunks };
    }
    break;
  }
  default: throw new Error(`unknown operation ${operation}`);
}

process.stdout.write(JSON.stringify(result === undefined ? null : result) + "\n");
