// Runs one Responses API call of the official OpenAI JavaScript client (the `openai` npm package, unchanged) against
// a Bytez for .NET server at BYTEZ_TEST_ROOT + "v1", and prints what the client gave back as one JSON line.
//
// Usage: node openai-responses.mjs <operation> <arguments as JSON>
//   create {request} | stream {request} | streamHelper {request} | retrieve {id} | delete {id}
// `stream` iterates the raw events; `streamHelper` runs the client's own accumulating helper (responses.stream), which
// rebuilds the response from the events and fails on events it cannot place.
import OpenAI from "openai";

const root = process.env.BYTEZ_TEST_ROOT; // e.g. http://127.0.0.1:41234/
if (!root) throw new Error("BYTEZ_TEST_ROOT is not set");
const client = new OpenAI({ apiKey: process.env.BYTEZ_TEST_KEY ?? "", baseURL: root + "v1", maxRetries: 0 });

const [operation, rawArgs] = process.argv.slice(2);
const args = rawArgs ? JSON.parse(rawArgs) : {};

const summary = r => ({
  id: r.id, status: r.status, output_text: r.output_text, usage: r.usage,
  previous_response_id: r.previous_response_id ?? null, model: r.model, output: r.output,
});

async function attempt(call) {
  try {
    return { ok: await call() };
  } catch (e) {
    return { error: { status: e.status ?? null, message: e.message, type: e.error?.type ?? null } };
  }
}

let result;
switch (operation) {
  case "create":
    result = await attempt(async () => summary(await client.responses.create(args)));
    break;
  case "stream": {
    const types = [];
    let text = "";
    let args_ = "";
    let reasoning = "";
    let final = null;
    const stream = await client.responses.create({ ...args, stream: true });
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === "response.output_text.delta") text += event.delta;
      if (event.type === "response.function_call_arguments.delta") args_ += event.delta;
      if (event.type === "response.reasoning_text.delta") reasoning += event.delta;
      // The events' response objects are as sent: output_text is computed by create() and retrieve() only.
      if (event.type === "response.completed" || event.type === "response.incomplete") {
        final = { ...summary(event.response), output_text: event.response.output.filter(i => i.type === "message").flatMap(i => i.content).map(c => c.text).join("") };
      }
    }
    result = { types, text, arguments: args_, reasoning, final };
    break;
  }
  case "streamHelper":
    result = await attempt(async () => {
      const types = [];
      const stream = client.responses.stream(args);
      for await (const event of stream) types.push(event.type);
      return { types, final: summary(await stream.finalResponse()) };
    });
    break;
  case "retrieve":
    result = await attempt(async () => summary(await client.responses.retrieve(args.id)));
    break;
  case "delete":
    result = await attempt(async () => (await client.responses.delete(args.id)) ?? null);
    break;
  default:
    throw new Error(`unknown operation ${operation}`);
}

process.stdout.write(JSON.stringify(result) + "\n");
