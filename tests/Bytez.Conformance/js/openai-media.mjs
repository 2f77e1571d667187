// Runs one call of the official OpenAI JavaScript client (the `openai` npm package, unchanged) against a Bytez for
// .NET server's OpenAI-compatible base (BYTEZ_TEST_ROOT + "v1") and prints what the client returned as one JSON line.
//
// Usage: node openai-media.mjs <operation> <arguments as JSON>
//   embeddings {"model", "input", "encoding_format"?}   -> the client's answer (its float vectors)
//   transcribe {"model", "file" (a path), "response_format"?, "translate"?} -> the client's answer
//   speech {"model", "input", "voice", "response_format"?} -> {"base64", "contentType"}
import fs from "node:fs";
import OpenAI from "openai";

const root = process.env.BYTEZ_TEST_ROOT;
if (!root) throw new Error("BYTEZ_TEST_ROOT is not set");
const client = new OpenAI({ apiKey: process.env.BYTEZ_TEST_KEY ?? "", baseURL: root + "v1", maxRetries: 0 });

const [operation, rawArgs] = process.argv.slice(2);
const args = rawArgs ? JSON.parse(rawArgs) : {};

let result;
switch (operation) {
  case "embeddings":
    result = await client.embeddings.create(args);
    break;
  case "transcribe": {
    const { file, translate, ...rest } = args;
    const request = { ...rest, file: fs.createReadStream(file) };
    result = translate ? await client.audio.translations.create(request) : await client.audio.transcriptions.create(request);
    if (typeof result === "string") result = { string: result };
    break;
  }
  case "speech": {
    const response = await client.audio.speech.create(args);
    const bytes = Buffer.from(await response.arrayBuffer());
    result = { base64: bytes.toString("base64"), contentType: response.headers.get("content-type") };
    break;
  }
  default:
    throw new Error(`unknown operation ${operation}`);
}

process.stdout.write(JSON.stringify(result) + "\n");
