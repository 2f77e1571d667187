// Runs Hugging Face's JavaScript pipelines (@huggingface/transformers, on onnxruntime-node) on local model folders,
// for the tests that cross-check our pipelines and the tiny models' designs against an independent implementation.
//
// Usage: node pipelines.mjs <requests.json>
//   requests.json: {"root": "<folder holding org/name model folders>",
//                   "requests": [{"task": "...", "model": "org/name", "input": ..., "options": {...}}, ...]}
// Prints one JSON line: an array with, per request, {"output": ...} or {"error": "message"}.
//
// Tasks: the transformers.js pipelines text-classification, token-classification, question-answering
// (input {question, context}), fill-mask, zero-shot-classification (input {text, labels}),
// zero-shot-image-classification (input {image: a file path, labels}); and text-ranking, which
// transformers.js has no pipeline for, done as its model cards show for cross-encoders: the query paired with each
// document, one batch through AutoModelForSequenceClassification, sigmoid of the one logit, sorted by score
// (input {query, documents}; output [{corpus_id, score, logit}]). And the tokenizer alone: tokenize (input {text,
// add_special_tokens}; output {ids, tokens, decoded}) and apply-chat-template (input {messages, tools?,
// add_generation_prompt?}; output the prompt text), for the tokenizer utility routes. And text-generation (the
// default branch: input a text, options such as {max_new_tokens, do_sample, return_full_text}). A request's optional
// "dtype" loads that precision variant (transformers.js's own file choice: onnx/model_q4.onnx, ...); fp32 otherwise.
import { readFileSync } from 'node:fs';
import { pipeline, env, AutoTokenizer, AutoModelForSequenceClassification } from '@huggingface/transformers';

const { root, requests } = JSON.parse(readFileSync(process.argv[2], 'utf8'));
env.allowRemoteModels = false;
env.allowLocalModels = true;
env.localModelPath = root.endsWith('/') ? root : root + '/';

const loaded = new Map();
async function load(task, model, dtype) {
    dtype = dtype ?? 'fp32';
    const key = task + '\u0000' + model + '\u0000' + dtype;
    if (!loaded.has(key)) {
        loaded.set(key, task === 'tokenize' || task === 'apply-chat-template'
            ? AutoTokenizer.from_pretrained(model)
            : task === 'text-ranking'
            ? Promise.all([
                AutoTokenizer.from_pretrained(model),
                AutoModelForSequenceClassification.from_pretrained(model, { dtype, device: 'cpu' }),
            ])
            : pipeline(task, model, { dtype, device: 'cpu' }));
    }
    return loaded.get(key);
}

async function run({ task, model, input, options, dtype }) {
    const loadedModel = await load(task, model, dtype);
    options = options ?? {};
    switch (task) {
        case 'question-answering':
            return loadedModel(input.question, input.context, options);
        case 'zero-shot-classification':
            return loadedModel(input.text, input.labels, options);
        case 'zero-shot-image-classification':
            return loadedModel(input.image, input.labels, options);
        case 'text-ranking': {
            const [tokenizer, classifier] = loadedModel;
            const features = tokenizer(input.documents.map(() => input.query), {
                text_pair: input.documents,
                padding: true,
                truncation: true,
            });
            const { logits } = await classifier(features);
            const values = Array.from(logits.data, Number);
            return values
                .map((logit, corpus_id) => ({ corpus_id, score: 1 / (1 + Math.exp(-logit)), logit }))
                .sort((a, b) => b.score - a.score);
        }
        case 'tokenize': {
            // input {text, add_special_tokens}: the ids, each id's vocabulary spelling, and the decoded ids.
            const ids = loadedModel.encode(input.text, { add_special_tokens: input.add_special_tokens ?? true });
            const vocab = loadedModel.get_vocab();
            const byId = new Map((vocab instanceof Map ? [...vocab.entries()] : Object.entries(vocab)).map(([token, id]) => [Number(id), token]));
            return { ids, tokens: ids.map((id) => byId.get(id) ?? null), decoded: ids.length ? loadedModel.decode(ids, { skip_special_tokens: false }) : '' };
        }
        case 'apply-chat-template':
            // input {messages, tools?, add_generation_prompt?}: the rendered prompt, through @huggingface/jinja.
            return loadedModel.apply_chat_template(input.messages, {
                tools: input.tools ?? null,
                add_generation_prompt: input.add_generation_prompt ?? true,
                tokenize: false,
            });
        default:
            return loadedModel(input, options);
    }
}

const results = [];
for (const request of requests) {
    try {
        results.push({ output: await run(request) });
    } catch (error) {
        results.push({ error: String(error?.message ?? error) });
    }
}

// BigInt (token ids in some outputs) is written as a number.
process.stdout.write(JSON.stringify(results, (_, v) => (typeof v === 'bigint' ? Number(v) : v)) + '\n');
