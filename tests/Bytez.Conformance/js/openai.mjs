// Runs one call of the official OpenAI JavaScript client (the `openai` npm package, unchanged) against a Bytez for
// .NET server, with baseURL = the server's /v1, and prints what the client returned as one JSON line.
//
// Usage: node openai.mjs <operation> <arguments as JSON>
//   chat {body}        -> chat.completions.create(body)
//   chatStream {body}  -> chat.completions.create({...body, stream: true}): { chunks: [...] }
//   chatParse {body}   -> chat.completions.parse(body): the client parses a json_schema answer into message.parsed
//   completion {body}  -> completions.create(body)
import OpenAI from "openai";

const root = process.env.BYTEZ_TEST_ROOT; // e.g. http://127.0.0.1:41234/
const key = process.env.BYTEZ_TEST_KEY ?? "";
if (!root) throw new Error("BYTEZ_TEST_ROOT is not set");

const client = new OpenAI({ baseURL: new URL("v1", root).toString(), apiKey: key, maxRetries: 0 });
const [operation, rawArgs] = process.argv.slice(2);
const body = rawArgs ? JSON.parse(rawArgs) : {};

let result;
try {
  switch (operation) {
    case "chat":
      result = await client.chat.completions.create(body);
      break;
    case "chatStream": {
      const stream = await client.chat.completions.create({ ...body, stream: true });
      const chunks = [];
      for await (const chunk of stream) chunks.push(chunk);
      result = { chunks };
      break;
    }
    case "chatParse":
      result = await client.chat.completions.parse(body);
      break;
    case "completion":
      result = await client.completions.create(body);
      break;
    default:
      throw new Error(`unknown operation ${operation}`);
  }
} catch (e) {
  result = { thrown: { name: e?.constructor?.name, status: e?.status, message: e?.message, error: e?.error ?? null } };
}

console.log(JSON.stringify(result));
