// Runs one call of the official Cohere JavaScript client (the `cohere-ai` npm package, unchanged) against a Bytez for
// .NET server, with baseUrl = the server's root, and prints what the client returned as one JSON line.
//
// Usage: node cohere.mjs <operation> <arguments as JSON>
//   rerank {request}    -> new CohereClient(...).rerank(request)      (POST /v1/rerank)
//   rerankV2 {request}  -> new CohereClientV2(...).rerank(request)    (POST /v2/rerank)
// A thrown error prints {thrown: {name, statusCode, body}}.
import { CohereClient, CohereClientV2 } from "cohere-ai";

const root = process.env.BYTEZ_TEST_ROOT; // e.g. http://127.0.0.1:41234/
const key = process.env.BYTEZ_TEST_KEY ?? "";
if (!root) throw new Error("BYTEZ_TEST_ROOT is not set");

const options = { baseUrl: root.replace(/\/$/, ""), token: key, maxRetries: 0 };
const [operation, rawArgs] = process.argv.slice(2);
const request = rawArgs ? JSON.parse(rawArgs) : {};

let result;
try {
  switch (operation) {
    case "rerank":
      result = await new CohereClient(options).rerank(request);
      break;
    case "rerankV2":
      result = await new CohereClientV2(options).rerank(request);
      break;
    default:
      throw new Error(`unknown operation ${operation}`);
  }
} catch (e) {
  result = { thrown: { name: e?.constructor?.name, statusCode: e?.statusCode, body: e?.body ?? null, message: e?.message } };
}

process.stdout.write(JSON.stringify(result) + "\n");
