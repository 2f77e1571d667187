// Encodes with Hugging Face's Rust tokenizers (0.22.2 through the napi build @anush008/tokenizers) for the C# tests.
// Reads one job as JSON on stdin: { tokenizer: "<tokenizer.json text>", cases: [{ text, pair, addSpecialTokens,
// truncation: { maxLength, strategy, stride, direction } | null, padding: { length, direction, padId, padToken } | null }] }
// and writes one JSON array with, per case, the encoding (or { error }) and the decodings of its ids.
const { Tokenizer } = require('@anush008/tokenizers');

function describe(encoding, depth) {
  const wordIds = encoding.getWordIds();
  const sequenceIds = encoding.getSequenceIds();
  const wordToChars = {};
  for (let i = 0; i < wordIds.length; i++) {
    if (wordIds[i] === null || wordIds[i] === undefined || sequenceIds[i] === null || sequenceIds[i] === undefined) continue;
    const key = `${sequenceIds[i]}:${wordIds[i]}`;
    if (!(key in wordToChars)) wordToChars[key] = encoding.wordToChars(wordIds[i], sequenceIds[i]) ?? null;
  }
  return {
    ids: encoding.getIds(),
    typeIds: encoding.getTypeIds(),
    tokens: encoding.getTokens(),
    offsets: encoding.getOffsets(),
    wordIds: wordIds.map((w) => (w === undefined ? null : w)),
    sequenceIds: sequenceIds.map((s) => (s === undefined ? null : s)),
    specialTokensMask: encoding.getSpecialTokensMask(),
    attentionMask: encoding.getAttentionMask(),
    wordToChars,
    overflowing: depth > 0 ? [] : encoding.getOverflowing().map((o) => describe(o, depth + 1)),
  };
}

async function main() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  const job = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  const tokenizer = Tokenizer.fromString(job.tokenizer);
  const results = [];
  for (const c of job.cases) {
    try {
      if (c.truncation) {
        tokenizer.setTruncation(c.truncation.maxLength, {
          strategy: c.truncation.strategy,
          stride: c.truncation.stride,
          direction: c.truncation.direction,
        });
      } else {
        tokenizer.disableTruncation();
      }
      if (c.padding) {
        tokenizer.setPadding({
          maxLength: c.padding.length,
          direction: c.padding.direction,
          padId: c.padding.padId,
          padToken: c.padding.padToken,
        });
      } else {
        tokenizer.disablePadding();
      }
      const encoding = await tokenizer.encode(c.text, c.pair ?? null, { addSpecialTokens: c.addSpecialTokens });
      const result = describe(encoding, 0);
      result.decoded = await tokenizer.decode(encoding.getIds(), false);
      result.decodedSkip = await tokenizer.decode(encoding.getIds(), true);
      results.push(result);
    } catch (e) {
      results.push({ error: String(e && e.message ? e.message : e) });
    }
  }
  process.stdout.write(JSON.stringify(results));
}

main().catch((e) => {
  process.stderr.write(String(e && e.stack ? e.stack : e));
  process.exit(1);
});
