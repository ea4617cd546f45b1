// Drives a running `persona4j serve` with the official OpenAI Node SDK (npm `openai`).
// Env: BASE_URL, SERVICE_KEY, ALICE_KEY (bound to user alice), MODEL, OVERLOAD_URL (a server with
// one batch row and one queue place, no keys). Prints one JSON line with what it saw; exits 1 on a
// failed check. OpenAiNodeSdkTest (JUnit) starts the servers, runs this and checks the JSON.
import OpenAI from "openai";
import assert from "node:assert/strict";

const env = (k) => {
  const v = process.env[k];
  if (!v) throw new Error(`missing env ${k}`);
  return v;
};
const base = env("BASE_URL");
const model = env("MODEL");
const client = new OpenAI({ baseURL: `${base}/v1`, apiKey: env("SERVICE_KEY"), maxRetries: 0 });
const out = {};

// Models.
const models = await client.models.list();
out.models = models.data.map((m) => m.id);

// Completions, non-streaming, with the user's adapter; the header names the version.
{
  const { data, response } = await client.completions
    .create({ model, prompt: "Once upon", max_tokens: 12, temperature: 0, user: "alice" })
    .withResponse();
  assert.equal(data.object, "text_completion");
  out.completion = {
    text: data.choices[0].text,
    finish: data.choices[0].finish_reason,
    adapter: response.headers.get("x-persona4j-adapter"),
    usage: data.usage,
  };
}
// The same, streamed.
{
  const stream = await client.completions.create({
    model, prompt: "Once upon", max_tokens: 12, temperature: 0, user: "alice", stream: true,
  });
  let text = "";
  let finish = null;
  for await (const chunk of stream) {
    text += chunk.choices[0].text;
    finish = chunk.choices[0].finish_reason ?? finish;
  }
  out.completionStream = { text, finish };
}
// The base model (no user) and another user.
{
  const b = await client.completions.create({ model, prompt: "Once upon", max_tokens: 12, temperature: 0 });
  out.base = b.choices[0].text;
  const bob = await client.completions.create({ model, prompt: "Once upon", max_tokens: 12, temperature: 0, user: "bob" });
  out.bob = bob.choices[0].text;
}
// Chat, non-streaming and streamed.
{
  const messages = [{ role: "user", content: "hello" }];
  const c = await client.chat.completions.create({ model, messages, max_tokens: 10, temperature: 0, user: "alice" });
  assert.equal(c.object, "chat.completion");
  assert.equal(c.choices[0].message.role, "assistant");
  const stream = await client.chat.completions.create({
    model, messages, max_tokens: 10, temperature: 0, user: "alice", stream: true,
    stream_options: { include_usage: true },
  });
  let text = "";
  let role = null;
  let usage = null;
  for await (const chunk of stream) {
    if (chunk.usage) usage = chunk.usage;
    if (!chunk.choices.length) continue;
    role = chunk.choices[0].delta.role ?? role;
    text += chunk.choices[0].delta.content ?? "";
  }
  out.chat = { text: c.choices[0].message.content, streamText: text, streamRole: role, streamUsage: usage, usage: c.usage };
}
// Seeded sampling is reproducible.
{
  const req = { model, prompt: "The weather", max_tokens: 16, temperature: 0.9, seed: 1234, user: "bob" };
  const a = await client.completions.create(req);
  const b = await client.completions.create(req);
  out.seeded = [a.choices[0].text, b.choices[0].text];
}

// Errors surface as the SDK's typed errors with their status.
async function expectError(promise, type) {
  try {
    await promise;
  } catch (e) {
    assert.ok(e instanceof type, `expected ${type.name}, got ${e?.constructor?.name}: ${e?.message}`);
    assert.ok(e instanceof OpenAI.APIError);
    return { status: e.status, type: e.type ?? null, param: e.param ?? null, code: e.code ?? null, message: e.message };
  }
  throw new Error(`expected ${type.name}, got a success`);
}
out.errors = {};
out.errors.badRequest = await expectError(
  client.completions.create({ model, prompt: "hi", max_tokens: 100000 }), OpenAI.BadRequestError);
out.errors.oversizedPrompt = await expectError(
  client.completions.create({ model, prompt: "word ".repeat(400), max_tokens: 4 }), OpenAI.BadRequestError);
out.errors.notFound = await expectError(
  client.completions.create({ model: "no-such-model", prompt: "hi" }), OpenAI.NotFoundError);
const wrong = new OpenAI({ baseURL: `${base}/v1`, apiKey: "p4j-wrong", maxRetries: 0 });
out.errors.unauthorized = await expectError(
  wrong.completions.create({ model, prompt: "hi" }), OpenAI.AuthenticationError);
const alice = new OpenAI({ baseURL: `${base}/v1`, apiKey: env("ALICE_KEY"), maxRetries: 0 });
out.errors.forbidden = await expectError(
  alice.completions.create({ model, prompt: "hi", max_tokens: 2, user: "bob" }), OpenAI.PermissionDeniedError);
{
  const { response } = await alice.completions.create({ model, prompt: "hi", max_tokens: 2 }).withResponse();
  out.aliceKeyAdapter = response.headers.get("x-persona4j-adapter");
}

// Overload and disconnect on the one-row server: a long stream takes the row, a second request
// waits in the one queue place, a third gets 429 (RateLimitError); aborting the stream (the client
// disconnects) frees the row for the waiting request.
{
  const over = new OpenAI({ baseURL: `${env("OVERLOAD_URL")}/v1`, apiKey: "none", maxRetries: 0 });
  const queueLength = async () => {
    const text = await (await fetch(`${env("OVERLOAD_URL")}/metrics`)).text();
    const m = text.match(/^persona4j_queue_length (\S+)$/m);
    return m ? Number(m[1]) : -1;
  };
  const controller = new AbortController();
  const long = await over.completions.create(
    { model, prompt: env("LONG_PROMPT"), max_tokens: Number(env("LONG_TOKENS")), temperature: 0, stream: true },
    { signal: controller.signal });
  const it = long[Symbol.asyncIterator]();
  await it.next(); // the first chunk: the long request runs
  const waiting = over.completions.create({ model, prompt: "hi", max_tokens: 3, temperature: 0 });
  for (let i = 0; i < 3000 && (await queueLength()) < 1; i++) await new Promise((r) => setTimeout(r, 5));
  out.errors.rateLimited = await expectError(
    over.completions.create({ model, prompt: "hi", max_tokens: 3 }), OpenAI.RateLimitError);
  controller.abort(); // the client goes away mid-stream
  try { for (;;) { const r = await it.next(); if (r.done) break; } } catch (e) { out.abortError = e.constructor.name; }
  const w = await waiting;
  out.afterDisconnect = w.choices[0].text.length >= 0 ? "served" : "no";
  const metrics = await (await fetch(`${env("OVERLOAD_URL")}/metrics`)).text();
  out.cancelled = Number((metrics.match(/^persona4j_sequences_cancelled_total (\S+)$/m) ?? [0, -1])[1]);
}

console.log(JSON.stringify(out));
