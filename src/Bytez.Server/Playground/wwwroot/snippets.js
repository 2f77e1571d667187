// The same request as curl, C# (our SDK, package Bytez) and bytez.js, from the body the form sent.
import { h } from './ui.js';

// Media sent as base64 would fill the page: long strings are shown as a placeholder.
function shorten(value) {
  return JSON.parse(JSON.stringify(value, (_, v) => (typeof v === 'string' && v.length > 300 ? 'BASE64_OF_YOUR_FILE' : v)));
}

const indent = (text, pad) => text.split('\n').map((l) => pad + l).join('\n');

/** The three snippets for POST /models/v2/{modelId} with `body` ({input | text | messages..., params, stream}). */
export function snippetTexts(modelId, body) {
  const b = shorten(body);
  const origin = location.origin;
  const { params, stream, ...rest } = b;
  const input = 'input' in rest && Object.keys(rest).length === 1 ? rest.input : rest;
  const curl = `curl ${stream ? '-N ' : ''}${origin}/models/v2/${modelId} \\\n  -H "Authorization: Key $BYTEZ_KEY" \\\n  -H "Content-Type: application/json" \\\n  -d '${JSON.stringify(b).replaceAll("'", "'\\''")}'`;

  const csInput = JSON.stringify(input, null, 2);
  const csParams = JSON.stringify(params || {}, null, 2);
  const csharp = [
    'using System.Text.Json;',
    'using Bytez;',
    '',
    'using var client = new BytezClient(new BytezClientOptions',
    '{',
    '    ApiKey = Environment.GetEnvironmentVariable("BYTEZ_KEY"),',
    `    BaseAddress = new Uri("${origin}/models/v2/"),`,
    '});',
    `var model = client.Model("${modelId}");`,
    'var input = JsonDocument.Parse("""',
    indent(csInput, '    '),
    '    """).RootElement;',
    'var parameters = JsonDocument.Parse("""',
    indent(csParams, '    '),
    '    """).RootElement;',
    ...(stream
      ? ['await foreach (var piece in model.StreamAsync(input, parameters))', '{', '    Console.Write(piece);', '}']
      : ['var result = await model.RunAsync(input, parameters);', 'Console.WriteLine(result.Error ?? result.Output?.GetRawText());']),
  ].join('\n');

  const js = [
    'import Bytez from "bytez.js";',
    '',
    `// dev mode talks to http://localhost:8080/models/v2/ (this server: ${origin})`,
    'const sdk = new Bytez(process.env.BYTEZ_KEY, true);',
    `const model = sdk.model("${modelId}");`,
    `const input = ${JSON.stringify(input, null, 2)};`,
    `const params = ${JSON.stringify(params || {}, null, 2)};`,
    ...(stream
      ? ['const stream = await model.run(input, params, true);', 'for await (const piece of stream) process.stdout.write(piece);']
      : ['const { error, output } = await model.run(input, params);', 'console.log(error ?? output);']),
  ].join('\n');
  return { curl, csharp, js };
}

/** A disclosure holding the three snippets, refreshed by calling its `update(body)`. */
export function snippetPanel(modelId) {
  const codes = { curl: h('code'), csharp: h('code'), js: h('code') };
  const panel = h('details.snippets',
    h('summary', 'The same request as code'),
    h('h3', 'curl'), h('pre', codes.curl),
    h('h3', 'C# (Bytez SDK)'), h('pre', codes.csharp),
    h('h3', 'bytez.js'), h('pre', codes.js));
  panel.update = (body) => {
    const t = snippetTexts(modelId, body);
    for (const k of Object.keys(codes)) codes[k].textContent = t[k];
  };
  return panel;
}
