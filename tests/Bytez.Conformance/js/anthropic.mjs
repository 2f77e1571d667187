// Runs one Messages API call of the official Anthropic JavaScript client (the `@anthropic-ai/sdk` npm package,
// unchanged) against a Bytez for .NET server at BYTEZ_TEST_ROOT (the client adds /v1/messages itself; with
// {"base": "bytez"} in the arguments, at BYTEZ_TEST_ROOT + "models/v2/anthropic"), and prints what the client gave
// back as one JSON line.
//
// Usage: node anthropic.mjs <operation> <arguments as JSON>
//   create {request} | stream {request} | count {request}
import Anthropic from "@anthropic-ai/sdk";

const root = process.env.BYTEZ_TEST_ROOT; // e.g. http://127.0.0.1:41234/
if (!root) throw new Error("BYTEZ_TEST_ROOT is not set");

const [operation, rawArgs] = process.argv.slice(2);
const { base, ...request } = rawArgs ? JSON.parse(rawArgs) : {};
const baseURL = (base === "bytez" ? root + "models/v2/anthropic" : root).replace(/\/$/, "");
const client = new Anthropic({ apiKey: process.env.BYTEZ_TEST_KEY ?? "", baseURL, maxRetries: 0 });

async function attempt(call) {
  try {
    return { ok: await call() };
  } catch (e) {
    return { error: { name: e.constructor?.name ?? null, status: e.status ?? null, type: e.error?.error?.type ?? null, message: e.error?.error?.message ?? e.message } };
  }
}

let result;
switch (operation) {
  case "create":
    result = await attempt(async () => {
      const message = await client.messages.create(request);
      return { message, request_id: message._request_id ?? null };
    });
    break;
  case "stream":
    result = await attempt(async () => {
      // The SDK's own stream helper: it checks the event order and accumulates the message from the deltas.
      const stream = client.messages.stream(request);
      const types = [];
      let text = "";
      let thinking = "";
      const inputs = [];
      stream.on("streamEvent", event => types.push(event.type));
      stream.on("text", delta => { text += delta; });
      stream.on("thinking", delta => { thinking += delta; });
      stream.on("inputJson", (_, snapshot) => { inputs.push(snapshot); });
      const message = await stream.finalMessage();
      return { types, text, thinking, inputs, message };
    });
    break;
  case "count":
    result = await attempt(async () => await client.messages.countTokens(request));
    break;
  default:
    throw new Error(`unknown operation ${operation}`);
}

process.stdout.write(JSON.stringify(result) + "\n");
